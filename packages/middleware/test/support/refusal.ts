import { AuthError, type ErrorCode } from '@jwtgate/core';
import { expect } from 'vitest';

/** Awaits a verification expected to fail, checks it failed with `code`, and returns the error for a closer look. */
export async function refusal(promise: Promise<unknown>, code: ErrorCode = 'ERR_TOKEN_INVALID'): Promise<AuthError> {
  const error = await promise.then(
    () => expect.fail('expected a refusal'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  expect((error as AuthError).code).toBe(code);
  return error as AuthError;
}
