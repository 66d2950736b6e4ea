import { type Clock, type InvitationDeps, type InvitationRecord, inviteUser } from '@jwtgate/core';
import type { AdminActor } from '../audit/admin-actor.js';
import type { AuditClient } from '../audit/audit-record.js';
import type { SecurityEvents } from '../audit/security-events.js';
import type { InvitationRouteDeps } from '../http/invitation-route-deps.js';

/** What {@link createInvitation} needs: the same for the admin API and the command line. */
export interface CreateInvitationDeps {
  readonly invitations: Pick<InvitationRouteDeps, 'store' | 'secrets' | 'link' | 'compose' | 'queued'>;
  readonly users: InvitationDeps['users'];
  readonly clock: Clock;
  /** How long an invitation can be used (`Register.InvitationTtl`). */
  readonly ttlSec: number;
  readonly events?: Pick<SecurityEvents, 'adminInvitation'> | undefined;
}

/** What {@link createInvitation} answers: `link` only when no mail was queued. */
export type InvitationCreated =
  | { readonly invitation: InvitationRecord; readonly mailed: true }
  | { readonly invitation: InvitationRecord; readonly mailed: false; readonly link: string };

/**
 * Invites `email` to register with `role`, and records it in the audit trail
 * as done or failed. When mail can be sent the link goes to the address
 * through the outbox (queued in the invitation's transaction; a running
 * server delivers it) and is not answered; otherwise the link is answered,
 * once, for the caller to pass on. An administrator is kept as the
 * invitation's `createdBy`; an operator at the command line leaves it `null`
 * and is named by the audit record (`actor: "cli"`, `operator`). Throws as
 * `inviteUser` does (`ERR_INVALID_EMAIL`, `ERR_EMAIL_TAKEN`, a `TypeError`
 * for a malformed role).
 *
 * @example
 * const made = await createInvitation(deps, 'bob@example.com', 'user', { kind: 'cli', operator: 'root' }, client);
 */
export async function createInvitation(
  deps: CreateInvitationDeps,
  email: string,
  role: string,
  actor: AdminActor,
  client: AuditClient,
): Promise<InvitationCreated> {
  const { invitations } = deps;
  const report = { actor, change: 'created', role, client } as const;
  try {
    const { invitation, secret } = await inviteUser(
      { store: invitations.store, users: deps.users, secrets: invitations.secrets, clock: deps.clock },
      {
        email,
        role,
        createdBy: actor.kind === 'admin' ? actor.id : null,
        ttlSec: deps.ttlSec,
        compose: invitations.compose,
      },
    );
    deps.events?.adminInvitation({ ...report, invitationId: invitation.id });
    if (invitations.compose === undefined) return { invitation, mailed: false, link: invitations.link(secret) };
    invitations.queued?.('invitation');
    return { invitation, mailed: true };
  } catch (error) {
    deps.events?.adminInvitation({ ...report, error });
    throw error;
  }
}
