import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { JwtgateDatabase } from './schema.js';

/** An open database and how to close it. */
export interface SqlDatabase {
  readonly db: Kysely<JwtgateDatabase>;
  readonly dialect: 'sqlite';
  close(): Promise<void>;
}

/** Options for {@link openSqlDatabase}. */
export interface OpenSqlDatabaseOptions {
  /** `sqlite:<path>` (or `sqlite::memory:`). */
  readonly url: string;
  /** How long to wait for a lock held by another process before failing. */
  readonly timeoutMs: number;
}

/**
 * Opens the database named by `url`. SQLite runs in WAL mode, so readers never
 * wait for the writer, and with `synchronous=NORMAL`, which survives process
 * crashes (the last commits could only be lost to a power cut).
 *
 * @example
 * const { db, close } = openSqlDatabase({ url: 'sqlite:./data/jwtgate.db', timeoutMs: 1000 });
 */
export function openSqlDatabase(options: OpenSqlDatabaseOptions): SqlDatabase {
  if (!options.url.startsWith('sqlite:')) {
    throw new TypeError(`unsupported database URL scheme in "${options.url.split(':')[0]}:"; use sqlite:<path>`);
  }
  const path = options.url.slice('sqlite:'.length);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path, { timeout: options.timeoutMs });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<JwtgateDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    db,
    dialect: 'sqlite',
    close: () => db.destroy(),
  };
}
