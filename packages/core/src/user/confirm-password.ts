import { AuthError } from '../errors/auth-error.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import { checkPassword } from './check-password.js';
import type { PasswordHasher } from './password-hasher.js';
import type { UserRecord } from './user-record.js';
import type { UserStore } from './user-store.js';

/**
 * What a wrong password throws: `ERR_REAUTHENTICATION_FAILED` before a change
 * of second factors, `ERR_WRONG_CURRENT_PASSWORD` when the password is a
 * field of the change itself (a new password, a new address). Both are 403:
 * the token itself is fine.
 */
export type WrongPasswordCode = 'ERR_REAUTHENTICATION_FAILED' | 'ERR_WRONG_CURRENT_PASSWORD';

/**
 * Re-checks a signed-in user's password before a sensitive change (a second
 * factor, the password, the address), the way a login checks it: counted by
 * the login throttle for this account and address before any hashing, so a
 * stolen access token is no way round the limit on guesses; one hash
 * verification whatever the outcome. A wrong (or over-long) password throws
 * `wrongPassword` (`ERR_REAUTHENTICATION_FAILED` unless told otherwise); an
 * account disabled or deleted meanwhile, `ERR_TOKEN_REVOKED`.
 *
 * @example
 * const user = await confirmPassword(deps, { userId: claims.sub, password, ip });
 * await confirmPassword(deps, { userId, password: currentPassword, ip, wrongPassword: 'ERR_WRONG_CURRENT_PASSWORD' });
 */
export async function confirmPassword(
  deps: {
    readonly users: Pick<UserStore, 'findById'>;
    readonly hasher: PasswordHasher;
    readonly throttle?: LoginThrottle | undefined;
  },
  input: {
    readonly userId: string;
    readonly password: string;
    readonly ip?: string | null;
    readonly wrongPassword?: WrongPasswordCode;
  },
): Promise<UserRecord> {
  const wrongPassword = input.wrongPassword ?? 'ERR_REAUTHENTICATION_FAILED';
  const user = await deps.users.findById(input.userId);
  const { matches, reservation } = await checkPassword(deps, {
    attempt: { account: user?.usernameKey ?? input.userId, ip: input.ip ?? null },
    password: input.password,
    findAccount: async () => user,
    tooLong: () => new AuthError(wrongPassword, { reason: 'password-too-long' }),
  });
  if (user === null || user.disabled) {
    await reservation?.cancel().catch(() => {});
    throw new AuthError('ERR_TOKEN_REVOKED', { reason: user === null ? 'user-deleted' : 'user-disabled' });
  }
  if (!matches) throw new AuthError(wrongPassword, { reason: 'wrong-password', userId: user.id });
  await reservation?.succeed();
  return user;
}
