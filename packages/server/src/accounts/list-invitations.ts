import {
  decodeAuditCursor,
  encodeAuditCursor,
  type InvitationRecord,
  type InvitationStatus,
  type InvitationStore,
} from '@jwtgate/core';

/**
 * One page of invitations, newest first, optionally of one status, as
 * `GET /admin/invitations` and `jwtgate invite list` read it. `cursor` is a
 * previous page's `nextCursor` (`ERR_INVALID_CURSOR` otherwise), which is
 * `null` on the last page.
 *
 * @example
 * const { invitations, nextCursor } = await listInvitations(store, { now, limit: 20, status: 'pending' });
 */
export async function listInvitations(
  store: Pick<InvitationStore, 'list'>,
  query: {
    readonly now: number;
    readonly limit: number;
    readonly status?: InvitationStatus | undefined;
    readonly cursor?: string | undefined;
  },
): Promise<{ readonly invitations: readonly InvitationRecord[]; readonly nextCursor: string | null }> {
  const page = await store.list({
    now: query.now,
    limit: query.limit,
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.cursor === undefined ? {} : { before: decodeAuditCursor(query.cursor) }),
  });
  const last = page.invitations.at(-1);
  return {
    invitations: page.invitations,
    nextCursor: page.more && last !== undefined ? encodeAuditCursor({ at: last.createdAt, id: last.id }) : null,
  };
}
