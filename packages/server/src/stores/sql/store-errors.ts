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
 * Runs a store operation; any failure that is not already a coded error means
 * the backend could not do its job, which callers answer with 503.
 */
export async function withStoreErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (isAuthError(error)) throw error;
    throw new AuthError('ERR_STORE_UNAVAILABLE', { reason: 'database', cause: error });
  }
}
