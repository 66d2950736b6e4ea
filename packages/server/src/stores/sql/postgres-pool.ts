import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import pg from 'pg';

/** Options of {@link createPostgresPool}. */
export interface PostgresPoolOptions {
  /** `postgres://user:password@host:port/database?…` */
  readonly url: string;
  /** Bound on connecting and on waiting for a pooled connection. */
  readonly timeoutMs: number;
  /** Bound on each statement, lock waits included. */
  readonly statementTimeoutMs: number;
  readonly poolSize: number;
}

/** A server-side error carries a five-character SQLSTATE; anything else is the connection's fault. */
function isServerError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * A `pg` pool for Kysely whose every wait is bounded: connecting and waiting
 * for a free connection by `timeoutMs` (`connectionTimeoutMillis`), each
 * query by `statementTimeoutMs` on the client (`query_timeout`) and on the
 * server (`statement_timeout`, which also bounds lock waits and frees the locks).
 *
 * A connection that failed for any reason other than a server error (a
 * timeout, a reset) is discarded when released instead of going back to the
 * pool: after a client-side timeout `pg` keeps waiting for the lost answer on
 * it, and the next request would queue behind that wait.
 *
 * @example
 * const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: createPostgresPool(options) }) });
 */
export function createPostgresPool(options: PostgresPoolOptions): PostgresPool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.timeoutMs,
    query_timeout: options.statementTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    // A client that died inside a transaction must not hold its row locks for long.
    idle_in_transaction_session_timeout: Math.max(10_000, options.timeoutMs * 10),
    keepAlive: true,
    idleTimeoutMillis: 30_000,
    application_name: 'jwtgate',
  });
  // An idle connection that the server closed (restart, failover) is dropped by
  // the pool; without a listener the 'error' event would end the process.
  pool.on('error', () => {});

  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let broken: Error | undefined;
      // The pool listens for errors of idle clients only; one lent out whose connection
      // dies between queries would otherwise end the process with an unhandled 'error'.
      const onError = (error: Error) => {
        broken = error;
      };
      client.on('error', onError);
      const query = async <R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> => {
        try {
          return (await client.query(sql, [...parameters])) as unknown as PostgresQueryResult<R>;
        } catch (error) {
          if (!isServerError(error)) broken = error instanceof Error ? error : new Error(String(error));
          throw error;
        }
      };
      return {
        query: query as PostgresPoolClient['query'],
        release: () => {
          client.off('error', onError);
          client.release(broken);
        },
      };
    },
    end: () => pool.end(),
  };
}
