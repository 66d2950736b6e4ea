import type { Clock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import { checkPassword } from './check-password.js';
import type { PasswordHasher } from './password-hasher.js';
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
  // Counted as a failure before any hashing, alike for unknown and existing names;
  // settled below once the outcome is known.
  const {
    account: user,
    matches,
    password,
    reservation,
  } = await checkPassword(deps, {
    attempt: { account: key ?? String(input.username), ip: input.ip ?? null },
    password: input.password,
    findAccount: async () => (key === null ? null : deps.users.findByUsernameKey(key)),
    tooLong: () => new AuthError('ERR_INVALID_CREDENTIALS', { reason: 'password-too-long' }),
  });
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
      // Only at the version checked: a password changed meanwhile is never overwritten by the old one.
      const updated = await deps.users.update(
        user.id,
        { passwordHash, updatedAt: deps.clock.now() },
        { ifCredentialVersion: user.credentialVersion },
      );
      // Handed on as read by the check, so the session starts from the version that check saw.
      return updated ?? user;
    } catch {
      // Upgrading the hash is opportunistic; the login itself succeeded.
    }
  }
  return user;
}
