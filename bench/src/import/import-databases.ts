import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';

/** A backend the import is measured on. */
export type ImportBackend = 'sqlite' | 'postgres' | 'mysql';

/** A database of the benchmark's own, and how to get rid of it. */
export interface BenchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * The server URLs the benchmark may create a database on: PostgreSQL and
 * MariaDB/MySQL only when their variable is set; SQLite always.
 */
export function serverUrls(env: NodeJS.ProcessEnv): Partial<Record<ImportBackend, string>> {
  return {
    ...(env.JWTGATE_BENCH_POSTGRES_URL ? { postgres: env.JWTGATE_BENCH_POSTGRES_URL } : {}),
    ...(env.JWTGATE_BENCH_MYSQL_URL ? { mysql: env.JWTGATE_BENCH_MYSQL_URL } : {}),
  };
}

/** One statement on the server, over a connection of its own, closed whatever the outcome. */
async function runAdmin(backend: 'postgres' | 'mysql', url: string, statement: string): Promise<void> {
  if (backend === 'mysql') {
    const connection = await mysql.createConnection(url);
    await connection.query(statement).finally(() => connection.end());
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(statement).finally(() => client.end());
}

/**
 * A fresh, empty database: a file in `dir` for SQLite; on PostgreSQL or
 * MariaDB a database with a name of its own on the server `serverUrl`
 * names (dropped afterwards), so that nothing else on the server is touched.
 *
 * @example
 * const db = await createBenchDatabase('postgres', 'postgres://root@127.0.0.1:5432/test', '/tmp/x');
 */
export async function createBenchDatabase(
  backend: ImportBackend,
  serverUrl: string | undefined,
  dir: string,
): Promise<BenchDatabase> {
  if (backend === 'sqlite')
    return { url: `sqlite:${dir}/import-${randomBytes(4).toString('hex')}.db`, drop: async () => {} };
  if (serverUrl === undefined) throw new Error(`no server URL for ${backend}`);
  const name = `jwtgate_bench_import_${randomBytes(6).toString('hex')}`;
  await runAdmin(backend, serverUrl, `create database ${name}${backend === 'mysql' ? ' character set utf8mb4' : ''}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      runAdmin(backend, serverUrl, `drop database if exists ${name}${backend === 'postgres' ? ' with (force)' : ''}`),
  };
}
