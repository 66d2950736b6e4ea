import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import type { ImportSource, SourceRow } from './import-source.js';

/** The import fields a `--map` may name, each mapped to one column of the source table. */
export const importFields = ['id', 'username', 'email', 'role', 'created_at', 'password_hash', 'disabled'] as const;
export type ImportField = (typeof importFields)[number];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const PAGE = 1000;

/**
 * Reads `--map id=id,username=username,password=password` (jwtgate field =
 * source column; `password` is short for `password_hash`). Throws with the
 * reason for an unknown field, a column that is no plain identifier, or a
 * map without id, username and password hash.
 *
 * @example
 * parseColumnMap('id=id,username=username,password=password');
 * // { id: 'id', username: 'username', password_hash: 'password' }
 */
export function parseColumnMap(text: string): Partial<Record<ImportField, string>> {
  const map: Partial<Record<ImportField, string>> = {};
  for (const pair of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [rawField, column, ...extra] = pair.split('=').map((s) => s.trim());
    const field = rawField === 'password' ? 'password_hash' : rawField;
    if (extra.length > 0 || column === undefined || !importFields.includes(field as ImportField)) {
      throw new Error(`--map: "${pair}" is not <field>=<column> with a field among ${importFields.join(', ')}`);
    }
    if (!IDENTIFIER.test(column)) throw new Error(`--map: "${column}" is not a plain column name`);
    map[field as ImportField] = column;
  }
  for (const needed of ['id', 'username', 'password_hash'] as const) {
    if (map[needed] === undefined)
      throw new Error(`--map: needs ${needed === 'password_hash' ? 'password' : needed}=<column>`);
  }
  return map;
}

/**
 * Rows of a MySQL or MariaDB table, read in pages of 1000 in id order (keyset
 * pagination: each page is one indexed range query, whatever the table's
 * size, and rows added meanwhile past the last id are read too). BIGINT
 * values arrive as exact decimal text, DATETIME and TIMESTAMP as UTC times.
 * Row numbers count rows in id order.
 *
 * @example
 * const source = await openMysqlSource({ url, table: 'users', map: parseColumnMap('id=id,username=username,password=password') });
 */
export async function openMysqlSource(options: {
  readonly url: string;
  readonly table: string;
  readonly map: Partial<Record<ImportField, string>>;
}): Promise<ImportSource> {
  if (!IDENTIFIER.test(options.table)) throw new Error(`--table: "${options.table}" is not a plain table name`);
  const connection: Connection = await createConnection({
    uri: options.url.replace(/^mariadb:/, 'mysql:'),
    supportBigNumbers: true,
    bigNumberStrings: true,
    timezone: 'Z',
    charset: 'utf8mb4',
    connectTimeout: 10_000,
  });
  const table = `\`${options.table}\``;
  const entries = Object.entries(options.map) as [ImportField, string][];
  const select = entries.map(([field, column]) => `\`${column}\` AS \`${field}\``).join(', ');
  const idColumn = `\`${options.map.id}\``;
  let total: number;
  try {
    const [counted] = await connection.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}`);
    total = Number(counted[0]?.n ?? 0);
  } catch (error) {
    await connection.end();
    throw error;
  }
  let read = 0;
  async function* rows(): AsyncGenerator<SourceRow> {
    let last: unknown;
    for (;;) {
      let where = '';
      const values: unknown[] = [];
      if (last !== undefined) {
        // A BIGINT compared with a string parameter is compared as a float, which loses ids past 2^53: inline the digits.
        if (typeof last === 'string' && /^-?[0-9]{1,20}$/.test(last)) where = `WHERE ${idColumn} > ${last}`;
        else {
          where = `WHERE ${idColumn} > ?`;
          values.push(last);
        }
      }
      const [page] = await connection.query<RowDataPacket[]>(
        `SELECT ${select} FROM ${table} ${where} ORDER BY ${idColumn} LIMIT ${PAGE}`,
        values,
      );
      for (const row of page) {
        read += 1;
        yield { line: read, fields: { ...row } };
      }
      if (page.length < PAGE) return;
      last = page[page.length - 1]?.id;
    }
  }
  return {
    unit: 'row',
    rows: rows(),
    progress: () => (total === 0 ? 1 : Math.min(1, read / total)),
    close: () => connection.end(),
  };
}
