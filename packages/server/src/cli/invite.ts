import { DEFAULT_ROLE, INVITATION_LIST_MAX_LIMIT, type InvitationRecord, type InvitationStatus } from '@jwtgate/core';
import { createInvitation } from '../accounts/create-invitation.js';
import { listInvitations } from '../accounts/list-invitations.js';
import { revokeInvitation } from '../accounts/revoke-invitation.js';
import { invitationStatuses, invitationView } from '../http/invitation-view.js';
import type { AdminRuntime } from './admin-runtime.js';
import { type CommandOutput, print } from './cli-output.js';
import { UsageError } from './command-line.js';
import { confirm } from './confirm.js';
import { renderTable } from './render-table.js';
import { pageLimit } from './user-list.js';

const when = (at: number | null) => (at === null ? '-' : new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'));

function invitationTable(invitations: readonly InvitationRecord[], now: number): string {
  return renderTable(
    ['ID', 'EMAIL', 'ROLE', 'STATUS', 'BY', 'CREATED', 'EXPIRES'],
    invitations.map((invitation) => {
      const view = invitationView(invitation, now);
      return [
        view.id,
        view.email,
        view.role,
        view.status,
        invitation.createdBy ?? 'cli',
        when(invitation.createdAt),
        when(invitation.expiresAt),
      ];
    }),
    '(no invitations)',
  );
}

/**
 * `jwtgate invite create <email> [--role r]`: as `POST /admin/invitations`.
 * With mail configured the link is queued in the outbox (the running
 * server delivers it) and not printed; without, the link is printed once,
 * and kept nowhere.
 */
export async function inviteCreateCommand(
  runtime: AdminRuntime,
  email: string,
  role: string | undefined,
  out: CommandOutput,
): Promise<void> {
  const made = await createInvitation(
    {
      invitations: runtime.invitations,
      users: runtime.users,
      clock: runtime.clock,
      ttlSec: runtime.accounts.invitationTtlSec,
      events: runtime.events,
    },
    email,
    role ?? DEFAULT_ROLE,
    runtime.actor,
    runtime.client,
  ).catch((error: unknown) => {
    // The API's schema refuses a malformed role before the domain sees it; here the domain's TypeError is the usage error.
    if (error instanceof TypeError) throw new UsageError(`--role: ${error.message}`);
    throw error;
  });
  const view = invitationView(made.invitation, runtime.clock.now());
  print(out, { ...made, invitation: view }, () =>
    made.mailed
      ? `invitation ${view.id} for ${view.email} (${view.role}) queued in the mail outbox; valid until ${view.expiresAt}\n`
      : `invitation ${view.id} for ${view.email} (${view.role}), valid until ${view.expiresAt}\n` +
        `mail is not configured: pass this link on (it is shown only now)\n${made.link}\n`,
  );
}

/** What `jwtgate invite list` is asked. */
export interface InviteListInput {
  readonly status?: string | undefined;
  readonly limit?: string | undefined;
  readonly after?: string | undefined;
}

/** `jwtgate invite list`: as `GET /admin/invitations`, newest first, a page at a time; never a link. */
export async function inviteListCommand(
  runtime: AdminRuntime,
  input: InviteListInput,
  out: CommandOutput,
): Promise<void> {
  const limit = pageLimit(input.limit, INVITATION_LIST_MAX_LIMIT);
  const status = input.status as InvitationStatus | undefined;
  if (status !== undefined && !invitationStatuses.includes(status)) {
    throw new UsageError(`--status must be one of ${invitationStatuses.join(', ')}`);
  }
  const now = runtime.clock.now();
  const page = await listInvitations(runtime.invitations.store, { now, limit, status, cursor: input.after });
  print(
    out,
    { invitations: page.invitations.map((invitation) => invitationView(invitation, now)), nextCursor: page.nextCursor },
    () => {
      const more = page.nextCursor === null ? '' : `\nmore: jwtgate invite list ... --after ${page.nextCursor}\n`;
      return `${invitationTable(page.invitations, now)}${more}`;
    },
  );
}

/**
 * `jwtgate invite revoke <id>`: as `DELETE /admin/invitations/:id`, after
 * confirmation (a terminal, or `--yes`). Not pending: `ERR_INVITATION_NOT_FOUND`.
 */
export async function inviteRevokeCommand(
  runtime: AdminRuntime,
  id: string,
  options: { readonly out: CommandOutput; readonly yes: boolean },
): Promise<void> {
  await confirm(`Revoke invitation ${id}? Its link stops working at once.`, options);
  const revoked = await revokeInvitation(runtime, id, runtime.actor, runtime.client);
  const view = invitationView(revoked, runtime.clock.now());
  print(options.out, { invitation: view }, () => `invitation ${view.id} for ${view.email} revoked\n`);
}
