import { type DeletedUser, deleteUser, type SessionActor, type SessionManager, type UserStore } from '@jwtgate/core';
import { type AdminActor, actingAdminOf, sessionActorOf } from '../audit/admin-actor.js';
import type { AuditClient } from '../audit/audit-record.js';
import type { SecurityEvents } from '../audit/security-events.js';
import type { AccountPolicy, AuditTrail, RouteDeps } from '../http/route-deps.js';

/** What {@link deleteAccount} needs: the same for the HTTP routes and the command line. */
export interface DeleteAccountDeps {
  readonly users: UserStore;
  readonly sessions: Pick<SessionManager, 'revokeAll'>;
  readonly clock: RouteDeps['clock'];
  readonly accounts: Pick<AccountPolicy, 'usernameQuarantineSec'>;
  readonly auditTrail?: Pick<AuditTrail, 'flush'> | undefined;
  readonly events?: Pick<SecurityEvents, 'userDeleted'> | undefined;
}

/** Who asks for a deletion: the user, or an administrator (the API) or an operator (the command line). */
export type DeletionRequester = 'self' | AdminActor;

/**
 * Deletes an account ({@link deleteUser}: sessions end, the last-admin rule
 * holds, the user and their rows go, the username is quarantined) and
 * records it in the audit trail, as done or failed. An administrator's
 * deletion takes effect only while they are an enabled administrator
 * (`ERR_FORBIDDEN` otherwise), checked by the store with each step. Records of the user
 * still queued for the database are written before the rows are erased, so
 * that the deletion anonymises them with the rest.
 *
 * @example
 * await deleteAccount(deps, userId, { kind: 'admin', id: adminId }, clientInfo(request));
 */
export async function deleteAccount(
  deps: DeleteAccountDeps,
  userId: string,
  requester: DeletionRequester,
  client: AuditClient,
): Promise<DeletedUser> {
  const actor: SessionActor = requester === 'self' ? { kind: 'self' } : sessionActorOf(requester);
  const report = {
    userId,
    by: requester,
    // The deleted user's own address would outlive the account in this very record.
    client: requester === 'self' ? { ip: null, userAgent: null } : client,
  };
  try {
    const trail = deps.auditTrail;
    const deleted = await deleteUser(
      {
        ...deps,
        usernameQuarantineSec: deps.accounts.usernameQuarantineSec,
        ...(trail === undefined ? {} : { beforeErase: () => trail.flush() }),
      },
      userId,
      { actor, ...(requester === 'self' ? {} : actingAdminOf(requester)) },
    );
    deps.events?.userDeleted({ ...report, revokedSessions: deleted.revokedSessions });
    return deleted;
  } catch (error) {
    deps.events?.userDeleted({ ...report, revokedSessions: 0, error });
    throw error;
  }
}
