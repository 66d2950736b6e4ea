import { expect } from 'vitest';
import { AuthError } from '../../src/errors/auth-error.js';
import type { ErrorCode } from '../../src/errors/codes.js';

/**
 * Runs `verify` and returns the error it threw, after checking that it is an
 * AuthError with the expected code and that its message echoes no part of the input.
 *
 * @example
 * expect(refusal(() => verifier.verify(forged)).reason).toBe('signature');
 */
export function refusal(verify: () => unknown, code: ErrorCode = 'ERR_TOKEN_INVALID', input?: unknown): AuthError {
  let thrown: unknown;
  try {
    verify();
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) expect.fail('expected the token to be refused');
  expect(thrown).toBeInstanceOf(AuthError);
  const error = thrown as AuthError;
  expect(error.code).toBe(code);
  if (typeof input === 'string') {
    for (const part of input.split('.').filter((segment) => segment.length >= 8)) {
      expect(error.message).not.toContain(part);
    }
  }
  return error;
}
