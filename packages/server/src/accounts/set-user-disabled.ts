import { type ChangeAccessDeps, changeUserAccess, type UserRecord } from '@jwtgate/core';
import { type AdminActor, actingAdminOf, sessionActorOf } from '../audit/admin-actor.js';
import type { AuditClient } from '../audit/audit-record.js';
import type { SecurityEvents } from '../audit/security-events.js';

/** What {@link setUserDisabled} needs: the same for the admin API and the command line. */
export interface SetUserDisabledDeps extends ChangeAccessDeps {
  readonly events?: Pick<SecurityEvents, 'adminSetUserDisabled'> | undefined;
}

/**
 * Disables an account (every session ends at once, on every instance, and
 * logins are refused) or enables it again, and records it in the audit trail
 * as done or failed. Disabling the last enabled administrator throws
 * `ERR_LAST_ADMIN` and changes nothing; an unknown id throws `ERR_USER_NOT_FOUND`.
 * An administrator's change takes effect only if they are still an enabled
 * administrator as it is written (`ERR_FORBIDDEN` otherwise, nothing changed).
 *
 * @example
 * const { revokedSessions } = await setUserDisabled(deps, userId, true, { kind: 'admin', id: adminId }, client);
 */
export async function setUserDisabled(
  deps: SetUserDisabledDeps,
  userId: string,
  disabled: boolean,
  actor: AdminActor,
  client: AuditClient,
): Promise<{ user: UserRecord; revokedSessions: number }> {
  const report = { actor, userId, disabled, client };
  try {
    const changed = await changeUserAccess(
      deps,
      userId,
      { disabled },
      {
        actor: sessionActorOf(actor),
        ...actingAdminOf(actor),
      },
    );
    deps.events?.adminSetUserDisabled({ ...report, revokedSessions: changed.revokedSessions });
    return changed;
  } catch (error) {
    deps.events?.adminSetUserDisabled({ ...report, revokedSessions: 0, error });
    throw error;
  }
}
