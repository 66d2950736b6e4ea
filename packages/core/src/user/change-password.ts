import type { Clock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import type { SessionManager } from '../session/session-manager.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import { changeCredentials } from './change-credentials.js';
import { confirmPassword } from './confirm-password.js';
import { passwordContextWords, refuseContextWords } from './context-words.js';
import type { PasswordHasher } from './password-hasher.js';
import { acceptNewPassword, type PasswordScreen } from './password-screen.js';
import type { UserRecord } from './user-record.js';
import type { UserStore } from './user-store.js';

/** What {@link changePassword} needs. */
export interface ChangePasswordDeps {
  readonly users: Pick<UserStore, 'findById' | 'update'>;
  readonly sessions: Pick<SessionManager, 'revokeAll'>;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
  /** The login throttle: guesses here and at login count against the same limits. */
  readonly throttle?: LoginThrottle;
  /** Refuses common or breached new passwords; none when absent. */
  readonly passwordScreen?: PasswordScreen | undefined;
  /** The service's own context words (its name, `Passwords.ContextWords`); the user's name and address are added. */
  readonly contextWords?: readonly string[] | undefined;
}

/** What {@link changePassword} is asked, by the holder of a verified access token. */
export interface ChangePasswordInput {
  /** The token's subject. */
  readonly userId: string;
  /** The token's session: it stays; every other session of the user ends. */
  readonly sessionId: string;
  readonly currentPassword: string;
  readonly newPassword: string;
  readonly ip?: string | null;
}

/**
 * Changes a signed-in user's password. The new password must pass the
 * password policy (`ERR_INVALID_PASSWORD`, then the screen's codes such as
 * `ERR_COMMON_PASSWORD`; checked first: they say nothing about the current
 * one, cost no hashing and no guess), then must not be made of the user's
 * name or address or the service's words (`ERR_PASSWORD_CONTAINS_CONTEXT`,
 * read from the token holder's own account, also before any guess is
 * counted). The current password is then
 * checked as a login checks it: counted by the login throttle for this
 * account and address before any hashing (`ERR_RATE_LIMITED`), so a stolen
 * access token is no way round the limit on guesses; one argon2 verification
 * whatever the outcome; a wrong one throws `ERR_WRONG_CURRENT_PASSWORD`.
 * An account disabled or deleted meanwhile, or whose password was reset
 * meanwhile, throws `ERR_TOKEN_REVOKED`.
 *
 * Every other session ends, before and again after the new hash is stored:
 * the first round leaves a retry after `ERR_STORE_UNAVAILABLE` with the same
 * passwords working; the second is {@link changeCredentials}, which raises
 * the credential version with the new hash, so that no login checked
 * against the old password, still in flight, keeps a session. This session
 * stays, moved to the new version. Returns how many ended.
 *
 * @example
 * const { revokedSessions } = await changePassword(deps, { userId: claims.sub, sessionId: claims.sid, currentPassword, newPassword });
 */
export async function changePassword(
  deps: ChangePasswordDeps,
  input: ChangePasswordInput,
): Promise<{ user: UserRecord; revokedSessions: number }> {
  // The service's words need no look-up: judged with the length and the screen.
  const newPassword = await acceptNewPassword(
    input.newPassword,
    deps.passwordScreen,
    passwordContextWords({}, deps.contextWords),
  );
  // The token holder's own account: reading it tells nothing about anyone else.
  const holder = await deps.users.findById(input.userId);
  if (holder !== null) {
    refuseContextWords(newPassword, passwordContextWords(holder, deps.contextWords));
  }
  const user = await confirmPassword(
    // The account just read: one look-up, and the rule above judged the same record.
    { users: { findById: async () => holder }, hasher: deps.hasher, throttle: deps.throttle },
    {
      userId: input.userId,
      password: input.currentPassword,
      ip: input.ip,
      wrongPassword: 'ERR_WRONG_CURRENT_PASSWORD',
    },
  );

  const passwordHash = await deps.hasher.hash(newPassword);
  const before = await deps.sessions.revokeAll(user.id, {
    reason: 'password-changed',
    exceptSessionId: input.sessionId,
  });
  const changed = await changeCredentials(
    deps,
    user.id,
    { passwordHash },
    // Only over the hash just checked: a reset that landed meanwhile ended this session and wins.
    { reason: 'password-changed', keepSessionId: input.sessionId, ifPasswordHash: user.passwordHash },
  );
  if (changed === null) throw new AuthError('ERR_TOKEN_REVOKED', { reason: 'credentials-changed' });
  return { user: changed.user, revokedSessions: before + changed.revokedSessions };
}
