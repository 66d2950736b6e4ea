import { type ChangeAccessDeps, changeUserAccess, type UserRecord } from '@jwtgate/core';
import { type AdminActor, actingAdminOf, sessionActorOf } from '../audit/admin-actor.js';
import type { AuditClient } from '../audit/audit-record.js';
import type { SecurityEvents } from '../audit/security-events.js';

/** What {@link changeUserRole} needs: the same for the admin API and the command line. */
export interface ChangeUserRoleDeps extends ChangeAccessDeps {
  readonly events?: Pick<SecurityEvents, 'adminChangedUser'> | undefined;
}

/**
 * Sets a user's role and records it in the audit trail as done or failed.
 * Every session of the user ends, since their access tokens carry the old
 * role. Demoting the last enabled administrator throws `ERR_LAST_ADMIN` and
 * changes nothing (the store decides it atomically); an unknown id throws
 * `ERR_USER_NOT_FOUND`. An administrator's change takes effect only if they
 * are still an enabled administrator as it is written (`ERR_FORBIDDEN`
 * otherwise, nothing changed).
 *
 * @example
 * const { user, revokedSessions } = await changeUserRole(deps, userId, 'admin', { kind: 'cli', operator: 'root' }, client);
 */
export async function changeUserRole(
  deps: ChangeUserRoleDeps,
  userId: string,
  role: string,
  actor: AdminActor,
  client: AuditClient,
): Promise<{ user: UserRecord; revokedSessions: number }> {
  const changes = { role };
  const report = { actor, userId, changes, client };
  try {
    const changed = await changeUserAccess(deps, userId, changes, {
      actor: sessionActorOf(actor),
      ...actingAdminOf(actor),
    });
    deps.events?.adminChangedUser({ ...report, revokedSessions: changed.revokedSessions });
    return changed;
  } catch (error) {
    deps.events?.adminChangedUser({ ...report, revokedSessions: 0, error });
    throw error;
  }
}
