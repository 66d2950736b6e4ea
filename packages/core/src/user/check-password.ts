import { type AuthError, isAuthError } from '../errors/auth-error.js';
import type { LoginAttempt, LoginReservation, LoginThrottle } from '../throttle/login-throttle.js';
import { hasPassword } from './no-password.js';
import type { PasswordHasher } from './password-hasher.js';
import { assertWellFormedPassword, PASSWORD_MAX_LENGTH } from './password-policy.js';

/** What a password check found; the caller settles `reservation` once it knows the outcome. */
export interface PasswordCheck<Account> {
  readonly account: Account | null;
  readonly matches: boolean;
  /** The password as checked (NFKC), for a caller that rehashes it. */
  readonly password: string;
  readonly reservation: LoginReservation | undefined;
}

/**
 * Checks a password the way every password check must, at login and at a
 * password change alike: refused with `ERR_MALFORMED_PASSWORD` when it is
 * not well-formed Unicode (before anything else); counted by the login throttle for the account and
 * address before any hashing; refused before hashing when too long to be a
 * password (`tooLong`, which stays counted as a failed guess); one argon2
 * verification whatever the account, against a dummy hash when there is
 * none, so the time taken says nothing. Any other failure (a store, a busy
 * hasher) judged nothing and takes the count back.
 *
 * @example
 * const { account, matches, reservation } = await checkPassword(deps, {
 *   attempt: { account: key, ip }, password, findAccount: () => users.findByUsernameKey(key),
 *   tooLong: () => new AuthError('ERR_INVALID_CREDENTIALS', { reason: 'password-too-long' }),
 * });
 */
export async function checkPassword<Account extends { readonly passwordHash: string }>(
  deps: { readonly hasher: PasswordHasher; readonly throttle?: LoginThrottle | undefined },
  input: {
    readonly attempt: LoginAttempt;
    readonly password: unknown;
    readonly findAccount: () => Promise<Account | null>;
    readonly tooLong: () => AuthError;
  },
): Promise<PasswordCheck<Account>> {
  // Before the throttle: the input alone decides it, so it is no guess and says nothing of the account.
  assertWellFormedPassword(input.password);
  const reservation = await deps.throttle?.reserve(input.attempt);
  try {
    if (typeof input.password !== 'string' || input.password.length > PASSWORD_MAX_LENGTH * 4) {
      // Refused before hashing so nobody can make the server hash megabytes; this says nothing about the account.
      throw input.tooLong();
    }
    const account = await input.findAccount();
    const password = input.password.normalize('NFKC');
    // An account without a password is checked against the dummy hash too: the same work, never a match.
    const usable = account !== null && hasPassword(account);
    const verified = await deps.hasher.verify(usable ? account.passwordHash : deps.hasher.dummyHash, password);
    const matches = verified && (account === null || usable);
    return { account, matches, password, reservation };
  } catch (error) {
    if (!(isAuthError(error) && error.reason === 'password-too-long')) await reservation?.cancel().catch(() => {});
    throw error;
  }
}
