import { AuthError } from '../errors/auth-error.js';
import type { SessionActor } from '../session/session-record.js';
import { type ChangeCredentialsDeps, changeCredentials } from './change-credentials.js';
import { ADMIN_ROLE, isValidRole, ROLE_PATTERN } from './role.js';
import type { UserRecord } from './user-record.js';
import type { ActingHolder } from './user-store.js';

/**
 * The store option that makes a change wait for, and depend on, the
 * administrator `actingAdmin` being an enabled administrator (none when
 * nobody's authority is at stake: an operator at the command line).
 *
 * @example
 * await users.update(id, changes, { ...actingAdminHolder(adminId) });
 */
export function actingAdminHolder(actingAdmin: string | undefined): { byEnabledHolder?: ActingHolder } {
  return actingAdmin === undefined ? {} : { byEnabledHolder: { id: actingAdmin, role: ADMIN_ROLE } };
}

/** What {@link changeUserAccess} needs: what every credential change needs. */
export type ChangeAccessDeps = ChangeCredentialsDeps;

/** What an administrator may change about an account's access. */
export interface AccessChanges {
  readonly disabled?: boolean;
  readonly role?: string;
}

/**
 * Disables or re-enables an account, or changes its role. Disabling, and
 * setting a role, are credential changes ({@link changeCredentials}): they
 * raise the user's credential version and end every session of the user at
 * once, logins still in flight included: their access tokens carry the old
 * role and must not outlive the decision. Asking again (a retry after
 * `ERR_STORE_UNAVAILABLE`) ends them again, so a failure between the two
 * steps is repaired by the retry. `actor` (the administrator
 * deciding) is recorded with those revocations.
 *
 * A change that would leave no enabled administrator (disabling or demoting
 * the last one) throws `ERR_LAST_ADMIN` and changes nothing, so nobody can
 * lock every administrator out; the store decides that atomically.
 *
 * With `actingAdmin` (the id of the administrator deciding), the change
 * takes effect only if they are still an enabled administrator at the
 * moment of the write, decided by the store in the same transaction;
 * otherwise it throws `ERR_FORBIDDEN` and changes nothing. Checking them
 * when their request began is not enough: a demotion that lands while the
 * request runs must stop it.
 *
 * @example
 * const { user, revokedSessions } = await changeUserAccess(deps, userId, { disabled: true }, { actor: { kind: 'admin', id: adminId } });
 */
export async function changeUserAccess(
  deps: ChangeAccessDeps,
  userId: string,
  changes: AccessChanges,
  options: { readonly actor?: SessionActor; readonly actingAdmin?: string } = {},
): Promise<{ user: UserRecord; revokedSessions: number }> {
  const byEnabledHolder = actingAdminHolder(options.actingAdmin);
  if (changes.role !== undefined && !isValidRole(changes.role)) {
    throw new TypeError(`role "${changes.role}" must match ${ROLE_PATTERN}`);
  }
  // Decided by what was asked, not by what changed: when the revocation fails after the
  // update, the retry finds nothing left to change, yet the first attempt's sessions (and the
  // access tokens that carry the old role) are still live. Raising the version and revoking
  // again is harmless. Enabling an account ends nothing: its sessions ended when it was disabled.
  if (changes.disabled === true || changes.role !== undefined) {
    const changed = await changeCredentials(deps, userId, changes, {
      reason: changes.disabled === true ? 'user-disabled' : 'admin',
      keepEnabledRole: ADMIN_ROLE,
      ...(options.actor === undefined ? {} : { actor: options.actor }),
      ...byEnabledHolder,
    });
    if (changed === null) throw new AuthError('ERR_USER_NOT_FOUND');
    return changed;
  }
  const user = await deps.users.update(
    userId,
    { ...changes, updatedAt: deps.clock.now() },
    { keepEnabledRole: ADMIN_ROLE, ...byEnabledHolder },
  );
  if (user === null) throw new AuthError('ERR_USER_NOT_FOUND');
  return { user, revokedSessions: 0 };
}
