import type { MysqlPool, MysqlPoolConnection, MysqlQueryResult } from 'kysely';
import { createPool, type PoolConnection } from 'mysql2';

/** Options of {@link createMysqlPool}. */
export interface MysqlPoolOptions {
  /** `mysql://user:password@host:port/database?…` (or `mariadb://…`). */
  readonly url: string;
  /** Bound on connecting and on waiting for a pooled connection. */
  readonly timeoutMs: number;
  /** Bound on each query and on row-lock waits (in whole seconds there). */
  readonly statementTimeoutMs: number;
  readonly poolSize: number;
}

/** Server-side errors carry an SQLSTATE and leave the connection usable; the rest do not. */
function isServerError(error: unknown): boolean {
  const e = error as { sqlState?: unknown; fatal?: unknown } | null;
  return typeof e?.sqlState === 'string' && e.fatal !== true;
}

function timeoutError(what: string): Error {
  return Object.assign(new Error(`${what} took longer than the database timeout`), { code: 'ETIMEDOUT' });
}

/**
 * A `mysql2` pool for Kysely whose every wait is bounded: by `timeoutMs`,
 * connecting (`connectTimeout`) and waiting for a free connection (mysql2 has
 * no such bound, so it is added here); by `statementTimeoutMs`, each query
 * (mysql2's per-query `timeout`) and row-lock waits on the server
 * (`innodb_lock_wait_timeout`, in whole seconds). Works with MySQL and MariaDB.
 *
 * A connection that failed other than with a server error is destroyed when
 * released: after a query timeout mysql2 keeps the connection waiting for
 * the lost answer.
 *
 * @example
 * const db = new Kysely<Schema>({ dialect: new MysqlDialect({ pool: createMysqlPool(options) }) });
 */
export function createMysqlPool(options: MysqlPoolOptions): MysqlPool {
  const { timeoutMs, statementTimeoutMs } = options;
  const uri = options.url.replace(/^mariadb:/, 'mysql:');
  const pool = createPool({
    uri,
    connectionLimit: options.poolSize,
    connectTimeout: timeoutMs,
    enableKeepAlive: true,
    waitForConnections: true,
    // Keeps requests waiting for a connection bounded in number as well as in time.
    queueLimit: options.poolSize * 100,
    charset: 'utf8mb4',
    timezone: 'Z',
  });
  const lockWaitSeconds = Math.max(1, Math.ceil(statementTimeoutMs / 1000));
  pool.on('connection', (connection) => {
    connection.query(`SET SESSION innodb_lock_wait_timeout = ${lockWaitSeconds}`, () => {});
  });

  function wrap(connection: PoolConnection): MysqlPoolConnection {
    let broken = false;
    // A fatal error with no query running is emitted as an event; unheard, it would end the process.
    const onError = () => {
      broken = true;
    };
    connection.on('error', onError);
    const query = (
      sql: string,
      parameters: unknown[],
      callback?: (error: unknown, result: MysqlQueryResult) => void,
    ): ReturnType<MysqlPoolConnection['query']> => {
      if (callback === undefined)
        return connection.query(sql, parameters) as unknown as ReturnType<MysqlPoolConnection['query']>;
      connection.query({ sql, values: parameters, timeout: statementTimeoutMs }, (error, result) => {
        if (error && !isServerError(error)) broken = true;
        callback(error, result as unknown as MysqlQueryResult);
      });
      return undefined as unknown as ReturnType<MysqlPoolConnection['query']>;
    };
    return {
      query: query as MysqlPoolConnection['query'],
      release: () => {
        connection.off('error', onError);
        if (broken) connection.destroy();
        else connection.release();
      },
    };
  }

  return {
    getConnection(callback) {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        callback(timeoutError('getting a database connection'), undefined as unknown as MysqlPoolConnection);
      }, timeoutMs);
      pool.getConnection((error, connection) => {
        if (settled) {
          // Too late for the request that asked; hand the connection back.
          if (!error) connection.release();
          return;
        }
        settled = true;
        clearTimeout(timer);
        if (error) callback(error, undefined as unknown as MysqlPoolConnection);
        else callback(null, wrap(connection));
      });
    },
    end: (callback) => pool.end(callback),
  };
}
