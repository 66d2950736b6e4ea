import type { Clock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import { checkPassword } from './check-password.js';
import { normaliseEmail } from './email.js';
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
  /** Refuse accounts whose email is not verified, after the password check (`ERR_EMAIL_NOT_VERIFIED`). */
  readonly requireVerifiedEmail?: boolean;
}

/** Who is logging in: by username or by email address, with the password. */
export type LoginIdentity =
  | { readonly username: string; readonly email?: undefined }
  | { readonly email: string; readonly username?: undefined };

/** The look-up key of a login identity, or `null` when it cannot name any account. */
function identityKey(input: LoginIdentity): { kind: 'username' | 'email'; key: string } | null {
  try {
    return input.email !== undefined
      ? { kind: 'email', key: normaliseEmail(input.email).key }
      : { kind: 'username', key: normaliseUsername(input.username).key };
  } catch {
    return null;
  }
}

/**
 * Checks a username (or an email address) and password. An unknown user, a
 * wrong password and a disabled account all throw the same
 * `ERR_INVALID_CREDENTIALS` after the same hashing work, so responses reveal
 * nothing about which names exist. The internal `reason` says which, for
 * audit logs only. With `requireVerifiedEmail`, an account whose address is
 * not verified throws `ERR_EMAIL_NOT_VERIFIED`, but only once the password
 * was right, so the answer tells nothing to someone without it; an account
 * with no address at all (made by the CLI, or before addresses existed) is
 * not held back.
 *
 * @example
 * const user = await authenticateUser(deps, { username: 'alice', password });
 * const same = await authenticateUser(deps, { email: 'alice@example.com', password });
 */
export async function authenticateUser(
  deps: AuthenticateDeps,
  input: LoginIdentity & { readonly password: string; readonly ip?: string | null },
): Promise<UserRecord> {
  const identity = identityKey(input);
  // Login by address and by name count against separate keys: the key must be known before the account is.
  const key = identity === null ? null : identity.kind === 'email' ? `email:${identity.key}` : identity.key;
  // Counted as a failure before any hashing, alike for unknown and existing names;
  // settled below once the outcome is known.
  const {
    account: user,
    matches,
    password,
    reservation,
  } = await checkPassword(deps, {
    attempt: { account: key ?? String(input.email ?? input.username), ip: input.ip ?? null },
    password: input.password,
    findAccount: async () =>
      identity === null
        ? null
        : identity.kind === 'email'
          ? deps.users.findByEmailKey(identity.key)
          : deps.users.findByUsernameKey(identity.key),
    tooLong: () => new AuthError('ERR_INVALID_CREDENTIALS', { reason: 'password-too-long' }),
  });
  if (user === null || !matches || user.disabled) {
    throw new AuthError('ERR_INVALID_CREDENTIALS', {
      reason: user === null ? 'unknown-user' : !matches ? 'wrong-password' : 'disabled',
      ...(user === null ? {} : { userId: user.id }),
    });
  }
  await reservation?.succeed();
  if (deps.requireVerifiedEmail === true && user.email != null && user.emailVerifiedAt == null) {
    throw new AuthError('ERR_EMAIL_NOT_VERIFIED', { reason: 'email-not-verified', userId: user.id });
  }
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
