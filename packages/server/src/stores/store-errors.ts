import { AuthError, isAuthError } from '@jwtgate/core';

/** Whether a driver error is a unique-constraint violation, in any supported dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === '23505' ||
    code === 'ER_DUP_ENTRY'
  );
}

/**
 * Whether a transaction lost a deadlock or a serialisation conflict and may
 * simply be run again (PostgreSQL 40P01/40001, MySQL 1213, SQLite busy).
 */
export function isRetriableConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001' || code === 'ER_LOCK_DEADLOCK' || code === 'SQLITE_BUSY';
}

/** Options of {@link withStoreErrors}. */
export interface StoreCallOptions {
  /**
   * The answer is given up after this long, whatever the driver is doing, so
   * a hung backend costs a request a bounded wait. The abandoned work is cut
   * short by the driver's own timeouts (see the pools) and its result ignored.
   */
  readonly deadlineMs?: number;
  /** Names the backend in the error's reason, for logs. */
  readonly backend?: string;
}

/**
 * Runs a store operation; any failure that is not already a coded error means
 * the backend could not do its job, which callers answer with 503.
 *
 * @example
 * const row = await withStoreErrors(() => db.selectFrom('t').selectAll().execute(), { deadlineMs: 1000 });
 */
export async function withStoreErrors<T>(operation: () => Promise<T>, options: StoreCallOptions = {}): Promise<T> {
  const backend = options.backend ?? 'database';
  let timer: NodeJS.Timeout | undefined;
  try {
    const running = operation();
    if (options.deadlineMs === undefined) return await running;
    // The loser of the race must not become an unhandled rejection.
    running.catch(() => {});
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new AuthError('ERR_STORE_UNAVAILABLE', { reason: `${backend}-timeout` })),
        options.deadlineMs,
      );
    });
    return await Promise.race([running, deadline]);
  } catch (error) {
    if (isAuthError(error)) throw error;
    throw new AuthError('ERR_STORE_UNAVAILABLE', { reason: backend, cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a transaction again (at most `attempts` times in all) when it lost a
 * deadlock or serialisation conflict; every attempt starts from scratch.
 *
 * @example
 * await retryOnConflict(() => db.transaction().execute(work));
 */
export async function retryOnConflict<T>(transaction: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= attempts || !isRetriableConflict(error)) throw error;
    }
  }
}
