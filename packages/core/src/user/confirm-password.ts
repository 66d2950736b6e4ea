import { AuthError } from '../errors/auth-error.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import { checkPassword } from './check-password.js';
import type { PasswordHasher } from './password-hasher.js';
import type { UserRecord } from './user-record.js';
import type { UserStore } from './user-store.js';

/**
 * Re-checks a signed-in user's password before a sensitive change (setting
 * up or removing a second factor), the way a login checks it: counted by the
 * login throttle for this account and address before any hashing, so a
 * stolen access token is no way round the limit on guesses. A wrong password
 * throws `ERR_REAUTHENTICATION_FAILED` (403: the token itself is fine); an
 * account disabled or deleted meanwhile, `ERR_TOKEN_REVOKED`.
 *
 * @example
 * const user = await confirmPassword(deps, { userId: claims.sub, password, ip });
 */
export async function confirmPassword(
  deps: {
    readonly users: Pick<UserStore, 'findById'>;
    readonly hasher: PasswordHasher;
    readonly throttle?: LoginThrottle | undefined;
  },
  input: { readonly userId: string; readonly password: string; readonly ip?: string | null },
): Promise<UserRecord> {
  const user = await deps.users.findById(input.userId);
  const { matches, reservation } = await checkPassword(deps, {
    attempt: { account: user?.usernameKey ?? input.userId, ip: input.ip ?? null },
    password: input.password,
    findAccount: async () => user,
    tooLong: () => new AuthError('ERR_REAUTHENTICATION_FAILED', { reason: 'password-too-long' }),
  });
  if (user === null || user.disabled) {
    await reservation?.cancel().catch(() => {});
    throw new AuthError('ERR_TOKEN_REVOKED', { reason: user === null ? 'user-deleted' : 'user-disabled' });
  }
  if (!matches) throw new AuthError('ERR_REAUTHENTICATION_FAILED', { reason: 'wrong-password', userId: user.id });
  await reservation?.succeed();
  return user;
}
