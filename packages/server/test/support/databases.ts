import mysql from 'mysql2/promise';
import pg from 'pg';
import { migrateToLatest } from '../../src/stores/sql/migrations.js';
import { openSqlDatabase, type SqlDatabase } from '../../src/stores/sql/open-database.js';
import { serviceUrl, uniqueName } from './services.js';

/** A database of its own on one of the shared servers, and how to drop it. */
export interface TestDatabase {
  /** The URL of the new database, for jwtgate's configuration. */
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Runs one statement on the shared server with its admin URL. */
async function runAdmin(kind: 'postgres' | 'mysql', adminUrl: string, statement: string): Promise<void> {
  if (kind === 'postgres') {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
    return;
  }
  const connection = await mysql.createConnection(adminUrl);
  try {
    await connection.query(statement);
  } finally {
    await connection.end();
  }
}

/**
 * Creates an empty database with a unique name on the shared PostgreSQL or
 * MariaDB server (from `JWTGATE_TEST_POSTGRES_URL` / `JWTGATE_TEST_MYSQL_URL`),
 * so concurrent test runs never see each other's tables.
 *
 * @example
 * const database = await createTestDatabase('postgres');
 * // ... postgres://root@127.0.0.1:5432/jwtgate_t_3f9a1c0b2d4e
 * await database.drop();
 */
export async function createTestDatabase(kind: 'postgres' | 'mysql'): Promise<TestDatabase> {
  const adminUrl = serviceUrl(kind);
  if (adminUrl === undefined) throw new Error(`the ${kind} tests need their service URL`);
  const name = uniqueName('jwtgate_t');
  await runAdmin(kind, adminUrl, `create database ${name}${kind === 'mysql' ? ' character set utf8mb4' : ''}`);
  return {
    url: withDatabase(adminUrl, name),
    name,
    drop: () =>
      runAdmin(kind, adminUrl, `drop database if exists ${name}${kind === 'postgres' ? ' with (force)' : ''}`),
  };
}

/**
 * A migrated jwtgate database on a fresh test database, closed and dropped by `close()`.
 *
 * @example
 * const { database, close } = await openMigratedTestDatabase('mysql');
 */
export async function openMigratedTestDatabase(
  kind: 'postgres' | 'mysql',
  options: { timeoutMs?: number; poolSize?: number } = {},
): Promise<{ database: SqlDatabase; url: string; close(): Promise<void> }> {
  const created = await createTestDatabase(kind);
  const database = openSqlDatabase({
    url: created.url,
    timeoutMs: options.timeoutMs ?? 5_000,
    poolSize: options.poolSize ?? 10,
  });
  try {
    await migrateToLatest(database.db);
  } catch (error) {
    await database.close();
    await created.drop();
    throw error;
  }
  return {
    database,
    url: created.url,
    async close() {
      await database.close();
      await created.drop();
    },
  };
}
