import type { Clock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import type { SessionManager } from '../session/session-manager.js';
import type { SessionActor } from '../session/session-record.js';
import { ADMIN_ROLE, isValidRole, ROLE_PATTERN } from './role.js';
import type { UserRecord } from './user-record.js';
import type { UserStore } from './user-store.js';

/** What {@link changeUserAccess} needs. */
export interface ChangeAccessDeps {
  readonly users: Pick<UserStore, 'update'>;
  readonly sessions: Pick<SessionManager, 'revokeAll'>;
  readonly clock: Clock;
}

/** What an administrator may change about an account's access. */
export interface AccessChanges {
  readonly disabled?: boolean;
  readonly role?: string;
}

/**
 * Disables or re-enables an account, or changes its role. Disabling, and
 * setting a role, end every session of the user at once: their access
 * tokens carry the old role and must not outlive the decision. Asking again
 * (a retry after `ERR_STORE_UNAVAILABLE`) ends them again, so a failure
 * between the two steps is repaired by the retry. `actor` (the administrator
 * deciding) is recorded with those revocations.
 *
 * A change that would leave no enabled administrator (disabling or demoting
 * the last one) throws `ERR_LAST_ADMIN` and changes nothing, so nobody can
 * lock every administrator out; the store decides that atomically.
 *
 * @example
 * const { user, revokedSessions } = await changeUserAccess(deps, userId, { disabled: true }, { actor: { kind: 'admin', id: adminId } });
 */
export async function changeUserAccess(
  deps: ChangeAccessDeps,
  userId: string,
  changes: AccessChanges,
  options: { readonly actor?: SessionActor } = {},
): Promise<{ user: UserRecord; revokedSessions: number }> {
  if (changes.role !== undefined && !isValidRole(changes.role)) {
    throw new TypeError(`role "${changes.role}" must match ${ROLE_PATTERN}`);
  }
  const user = await deps.users.update(
    userId,
    { ...changes, updatedAt: deps.clock.now() },
    { keepEnabledRole: ADMIN_ROLE },
  );
  if (user === null) throw new AuthError('ERR_USER_NOT_FOUND');
  // Decided by what was asked, not by what changed: when the revocation below fails after
  // the update, the retry finds nothing left to change, yet the first attempt's sessions
  // (and the access tokens that carry the old role) are still live. Revoking again is harmless.
  const disabling = changes.disabled === true && user.disabled;
  if (!disabling && changes.role === undefined) return { user, revokedSessions: 0 };
  const revokedSessions = await deps.sessions.revokeAll(userId, {
    reason: disabling ? 'user-disabled' : 'admin',
    actor: options.actor,
  });
  return { user, revokedSessions };
}
