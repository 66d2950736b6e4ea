import {
  AuthError,
  INVITATION_LIST_MAX_LIMIT,
  type InvitationRecord,
  type InvitationStatus,
  type InvitationStore,
} from '@jwtgate/core';
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { isUniqueViolation, type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import type { InvitationsTable, JwtgateDatabase } from './schema.js';
import { toMillis, toNullableMillis } from './schema.js';
import { queueMails } from './sql-email-store.js';
import { assertEnabledHolder, insertUser, takenUserKey } from './sql-user-store.js';
import { writeTransaction } from './write-transaction.js';

const table = 'jwtgate_invitations' as const;

function toRecord(row: Selectable<InvitationsTable>): InvitationRecord {
  return {
    id: row.id,
    email: row.email,
    emailKey: row.email_key,
    role: row.role,
    linkHash: row.link_hash,
    createdBy: row.created_by,
    createdAt: toMillis(row.created_at),
    expiresAt: toMillis(row.expires_at),
    usedAt: toNullableMillis(row.used_at),
    userId: row.user_id,
    revokedAt: toNullableMillis(row.revoked_at),
  };
}

type Where = ExpressionBuilder<JwtgateDatabase, typeof table>;

/** The condition of an invitation being in `status` at `now`; see `invitationStatus`. */
function inStatus(status: InvitationStatus, now: number) {
  return (w: Where) => {
    switch (status) {
      case 'used':
        return w('used_at', 'is not', null);
      case 'revoked':
        return w.and([w('used_at', 'is', null), w('revoked_at', 'is not', null)]);
      case 'expired':
        return w.and([w('used_at', 'is', null), w('revoked_at', 'is', null), w('expires_at', '<=', now)]);
      case 'pending':
        return w.and([w('used_at', 'is', null), w('revoked_at', 'is', null), w('expires_at', '>', now)]);
    }
  };
}

/**
 * Invitations in a SQL database, their mails in the outbox table beside them.
 * An invitation is used by one conditional UPDATE (unused, unrevoked,
 * unexpired) in the transaction that inserts the account: of concurrent
 * registrations the row lock lets one change it and the others find it used
 * (SQLite runs the transactions one at a time), and a failed insert rolls the
 * use back.
 *
 * @example
 * const invitations = createSqlInvitationStore(db, { timeoutMs: 1000 });
 */
export function createSqlInvitationStore(
  db: Kysely<JwtgateDatabase>,
  options: { readonly timeoutMs?: number } = {},
): InvitationStore {
  const call: StoreCallOptions = options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs };
  return {
    create: (invitation, mail, createOptions = {}) =>
      withStoreErrors(
        () =>
          writeTransaction(db, async (trx) => {
            const { makerRole } = createOptions;
            // No maker holds any role: '' is no user's id.
            if (makerRole !== undefined)
              await assertEnabledHolder(trx, { id: invitation.createdBy ?? '', role: makerRole });
            await trx
              .insertInto(table)
              .values({
                id: invitation.id,
                email: invitation.email,
                email_key: invitation.emailKey,
                role: invitation.role,
                link_hash: invitation.linkHash,
                created_by: invitation.createdBy,
                created_at: invitation.createdAt,
                expires_at: invitation.expiresAt,
                used_at: invitation.usedAt,
                user_id: invitation.userId,
                revoked_at: invitation.revokedAt,
              })
              .execute();
            await queueMails(trx, mail === null ? [] : [mail]);
          }),
        call,
      ),

    findLive: (linkHash, now) =>
      withStoreErrors(async () => {
        const row = await db
          .selectFrom(table)
          .selectAll()
          .where('link_hash', '=', linkHash)
          .where(inStatus('pending', now))
          .executeTakeFirst();
        return row === undefined ? null : toRecord(row);
      }, call),

    list: (query) => {
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > INVITATION_LIST_MAX_LIMIT) {
        return Promise.reject(new RangeError(`limit must be an integer from 1 to ${INVITATION_LIST_MAX_LIMIT}`));
      }
      return withStoreErrors(async () => {
        let select = db.selectFrom(table).selectAll();
        if (query.status !== undefined) select = select.where(inStatus(query.status, query.now));
        const before = query.before;
        if (before !== undefined) {
          select = select.where((w) =>
            w.or([w('created_at', '<', before.at), w.and([w('created_at', '=', before.at), w('id', '<', before.id)])]),
          );
        }
        // One row more than asked tells whether another page follows.
        const rows = await select
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(query.limit + 1)
          .execute();
        return { invitations: rows.slice(0, query.limit).map(toRecord), more: rows.length > query.limit };
      }, call);
    },

    revoke: (id, now) =>
      withStoreErrors(async () => {
        const result = await db
          .updateTable(table)
          .set({ revoked_at: now })
          .where('id', '=', id)
          .where(inStatus('pending', now))
          .executeTakeFirst();
        if (result.numUpdatedRows !== 1n) return null;
        const row = await db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst();
        return row === undefined ? null : toRecord(row);
      }, call),

    accept: (linkHash, user, now) =>
      withStoreErrors(async () => {
        try {
          return await writeTransaction(db, async (trx) => {
            const used = await trx
              .updateTable(table)
              .set({ used_at: now, user_id: user.id })
              .where('link_hash', '=', linkHash)
              .where(inStatus('pending', now))
              .executeTakeFirst();
            if (used.numUpdatedRows !== 1n) throw new AuthError('ERR_INVITATION_INVALID', { reason: 'not-live' });
            await insertUser(trx, user);
            const row = await trx.selectFrom(table).selectAll().where('link_hash', '=', linkHash).executeTakeFirst();
            return toRecord(row as Selectable<InvitationsTable>);
          });
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          throw await takenUserKey(db, user);
        }
      }, call),
  };
}
