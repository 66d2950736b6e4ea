import type { Clock } from '../clock.js';
import { AuthError, isAuthError } from '../errors/auth-error.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import type { PasswordHasher } from './password-hasher.js';
import { PASSWORD_MAX_LENGTH } from './password-policy.js';
import type { UserRecord } from './user-record.js';
import type { UserStore } from './user-store.js';
import { normaliseUsername } from './username.js';

/** What password login needs. */
export interface AuthenticateDeps {
  readonly users: UserStore;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
  /** Limits failed attempts; none when absent. */
  readonly throttle?: LoginThrottle;
}

/**
 * Checks a username and password. An unknown user, a wrong password and a
 * disabled account all throw the same `ERR_INVALID_CREDENTIALS` after the
 * same hashing work, so responses reveal nothing about which names exist.
 * The internal `reason` says which, for audit logs only.
 *
 * @example
 * const user = await authenticateUser(deps, { username: 'alice', password });
 */
export async function authenticateUser(
  deps: AuthenticateDeps,
  input: { readonly username: string; readonly password: string; readonly ip?: string | null },
): Promise<UserRecord> {
  let key: string | null;
  try {
    key = normaliseUsername(input.username).key;
  } catch {
    key = null;
  }
  const attempt = { account: key ?? String(input.username), ip: input.ip ?? null };
  // Counted as a failure before any hashing, alike for unknown and existing names;
  // settled below once the outcome is known.
  const reservation = await deps.throttle?.reserve(attempt);
  let user: UserRecord | null;
  let password: string;
  let matches: boolean;
  try {
    if (typeof input.password !== 'string' || input.password.length > PASSWORD_MAX_LENGTH * 4) {
      // Refused before hashing so nobody can make the server hash megabytes; this says nothing about the user.
      throw new AuthError('ERR_INVALID_CREDENTIALS', { reason: 'password-too-long' });
    }
    user = key === null ? null : await deps.users.findByUsernameKey(key);
    password = input.password.normalize('NFKC');
    matches = await deps.hasher.verify(user?.passwordHash ?? deps.hasher.dummyHash, password);
  } catch (error) {
    // A store that failed judged nothing: the attempt is not a failure.
    if (!isAuthError(error, 'ERR_INVALID_CREDENTIALS')) await reservation?.cancel().catch(() => {});
    throw error;
  }
  if (user === null || !matches || user.disabled) {
    throw new AuthError('ERR_INVALID_CREDENTIALS', {
      reason: user === null ? 'unknown-user' : !matches ? 'wrong-password' : 'disabled',
      ...(user === null ? {} : { userId: user.id }),
    });
  }
  await reservation?.succeed();
  if (deps.hasher.needsRehash(user.passwordHash)) {
    try {
      const passwordHash = await deps.hasher.hash(password);
      return (await deps.users.update(user.id, { passwordHash, updatedAt: deps.clock.now() })) ?? user;
    } catch {
      // Upgrading the hash is opportunistic; the login itself succeeded.
    }
  }
  return user;
}
