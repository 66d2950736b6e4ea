import type { Clock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import type { SessionManager } from '../session/session-manager.js';
import type { SessionActor } from '../session/session-record.js';
import { isValidRole, ROLE_PATTERN } from './role.js';
import type { UserRecord } from './user-record.js';
import type { UserStore } from './user-store.js';

/** What {@link changeUserAccess} needs. */
export interface ChangeAccessDeps {
  readonly users: Pick<UserStore, 'findById' | 'update'>;
  readonly sessions: Pick<SessionManager, 'revokeAll'>;
  readonly clock: Clock;
}

/** What an administrator may change about an account's access. */
export interface AccessChanges {
  readonly disabled?: boolean;
  readonly role?: string;
}

/**
 * Disables or re-enables an account, or changes its role. Disabling, and any
 * change of role, ends every session of the user at once: their access
 * tokens carry the old role and must not outlive the decision. `actor` (the
 * administrator deciding) is recorded with those revocations.
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
  const before = await deps.users.findById(userId);
  if (before === null) throw new AuthError('ERR_USER_NOT_FOUND');
  const user = await deps.users.update(userId, { ...changes, updatedAt: deps.clock.now() });
  if (user === null) throw new AuthError('ERR_USER_NOT_FOUND');
  const disabledNow = user.disabled && !before.disabled;
  const roleChanged = user.role !== before.role;
  if (!disabledNow && !roleChanged) return { user, revokedSessions: 0 };
  const revokedSessions = await deps.sessions.revokeAll(userId, {
    reason: disabledNow ? 'user-disabled' : 'admin',
    actor: options.actor,
  });
  return { user, revokedSessions };
}
