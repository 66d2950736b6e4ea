import { AuthError, type Clock, type InvitationRecord, type InvitationStore } from '@jwtgate/core';
import type { AdminActor } from '../audit/admin-actor.js';
import type { AuditClient } from '../audit/audit-record.js';
import type { SecurityEvents } from '../audit/security-events.js';

/** What {@link revokeInvitation} needs: the same for the admin API and the command line. */
export interface RevokeInvitationDeps {
  readonly invitations: { readonly store: Pick<InvitationStore, 'revoke'> };
  readonly clock: Clock;
  readonly events?: Pick<SecurityEvents, 'adminInvitation'> | undefined;
}

/**
 * Revokes the pending invitation `id` (its link stops working at once) and
 * records it in the audit trail as done or failed. A used, expired, revoked
 * or unknown one throws `ERR_INVITATION_NOT_FOUND`; the store decides it in
 * one conditional update, so of two concurrent revocations one wins.
 *
 * @example
 * const revoked = await revokeInvitation(deps, id, { kind: 'admin', id: adminId }, client);
 */
export async function revokeInvitation(
  deps: RevokeInvitationDeps,
  id: string,
  actor: AdminActor,
  client: AuditClient,
): Promise<InvitationRecord> {
  const report = { actor, change: 'revoked', invitationId: id, client } as const;
  try {
    const revoked = await deps.invitations.store.revoke(id, deps.clock.now());
    if (revoked === null) throw new AuthError('ERR_INVITATION_NOT_FOUND');
    deps.events?.adminInvitation({ ...report, role: revoked.role });
    return revoked;
  } catch (error) {
    deps.events?.adminInvitation({ ...report, error });
    throw error;
  }
}
