import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, type SqliteDatabase, SqliteDialect } from 'kysely';
import { createMysqlPool } from './mysql-pool.js';
import { createPostgresPool } from './postgres-pool.js';
import type { JwtgateDatabase } from './schema.js';

/** The SQL databases jwtgate runs on. */
export type SqlDialectName = 'sqlite' | 'postgres' | 'mysql';

/** An open database and how to close it. */
export interface SqlDatabase {
  readonly db: Kysely<JwtgateDatabase>;
  readonly dialect: SqlDialectName;
  /** Bound on every store call, in milliseconds; stores give up and answer 503 after it. */
  readonly timeoutMs: number;
  close(): Promise<void>;
}

/** Options for {@link openSqlDatabase}. */
export interface OpenSqlDatabaseOptions {
  /**
   * `sqlite:<path>` (or `sqlite::memory:`), `postgres://…` (`postgresql://…`),
   * `mysql://…` (`mariadb://…`).
   */
  readonly url: string;
  /**
   * SQLite: how long to wait for a lock held by another process. PostgreSQL
   * and MySQL: the bound on connecting, waiting for a pooled connection and
   * each statement.
   */
  readonly timeoutMs: number;
  /** Connections per process for PostgreSQL and MySQL (default 10). */
  readonly poolSize?: number;
  /**
   * PostgreSQL and MySQL: how long one statement (and a lock wait) may take,
   * when it should differ from `timeoutMs`: migrations may run for longer than
   * a request should wait.
   */
  readonly statementTimeoutMs?: number;
}

/** The dialect a database URL names, or `null` for an unsupported one. */
export function dialectOfUrl(url: string): SqlDialectName | null {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  if (/^(mysql|mariadb):\/\//.test(url)) return 'mysql';
  return null;
}

/**
 * Creates the database file, if it does not exist yet, readable by its owner
 * only: it holds password hashes. SQLite gives the `-wal` and `-shm` files it
 * makes beside it the database file's own mode. An existing file is left as
 * its owner set it.
 */
function createOwnerOnly(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    // An empty file is an empty SQLite database.
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

function openSqlite(path: string, timeoutMs: number): Kysely<JwtgateDatabase> {
  if (path !== ':memory:') createOwnerOnly(path);
  const sqlite = new BetterSqlite3(path, { timeout: timeoutMs });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  return new Kysely<JwtgateDatabase>({ dialect: new SqliteDialect({ database: keepStatementsPrepared(sqlite) }) });
}

/** Prepared statements kept per SQLite connection; the store code has far fewer distinct queries. */
const PREPARED_STATEMENTS = 256;

/**
 * The connection as Kysely sees it, with its statements kept prepared by SQL
 * text: Kysely prepares every query anew, which was about a tenth of a
 * refresh's CPU time. Queries are short and synchronous, so one statement is
 * never run twice at once; a statement still busy (an open iterator) is
 * never handed out, a fresh one is prepared instead. SQLite prepares a kept
 * statement again by itself when a migration changed the schema.
 */
function keepStatementsPrepared(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const prepared = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      const kept = prepared.get(sql);
      if (kept !== undefined && !kept.busy) return kept;
      const statement = sqlite.prepare(sql);
      if (kept === undefined) {
        // The oldest goes first: queries whose text varies (an IN list's length) cannot crowd out the rest for long.
        if (prepared.size >= PREPARED_STATEMENTS) prepared.delete(prepared.keys().next().value as string);
        prepared.set(sql, statement);
      }
      return statement;
    },
  };
}

/**
 * Opens the database named by `url`. SQLite runs in WAL mode, so readers never
 * wait for the writer, and with `synchronous=NORMAL`, which survives process
 * crashes (the last commits could only be lost to a power cut). PostgreSQL and
 * MySQL/MariaDB get a connection pool whose every wait is bounded by
 * `timeoutMs`; connections are made lazily, so this does not touch the network.
 *
 * @example
 * const { db, close } = openSqlDatabase({ url: 'sqlite:./data/jwtgate.db', timeoutMs: 1000 });
 * const pg = openSqlDatabase({ url: 'postgres://jwtgate@db/jwtgate', timeoutMs: 1000, poolSize: 20 });
 */
export function openSqlDatabase(options: OpenSqlDatabaseOptions): SqlDatabase {
  const { url, timeoutMs } = options;
  const poolSize = options.poolSize ?? 10;
  const statementTimeoutMs = options.statementTimeoutMs ?? timeoutMs;
  const dialect = dialectOfUrl(url);
  let db: Kysely<JwtgateDatabase>;
  switch (dialect) {
    case 'sqlite':
      db = openSqlite(url.slice('sqlite:'.length), timeoutMs);
      break;
    case 'postgres':
      db = new Kysely({
        dialect: new PostgresDialect({ pool: createPostgresPool({ url, timeoutMs, statementTimeoutMs, poolSize }) }),
      });
      break;
    case 'mysql':
      db = new Kysely({
        dialect: new MysqlDialect({ pool: createMysqlPool({ url, timeoutMs, statementTimeoutMs, poolSize }) }),
      });
      break;
    default:
      // Only the scheme: the rest of a URL may hold a password.
      throw new TypeError(
        `unsupported database URL scheme "${url.split(':')[0]}:"; use sqlite:<path>, postgres://… or mysql://…`,
      );
  }
  return { db, dialect, timeoutMs, close: () => db.destroy() };
}
