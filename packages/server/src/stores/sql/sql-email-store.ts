import { timingSafeEqual } from 'node:crypto';
import type {
  ClaimedMail,
  EmailStore,
  EmailTokenPurpose,
  EmailTokenRecord,
  MailKind,
  MailStatus,
  OutboxEntry,
  OutboxMail,
} from '@jwtgate/core';
import { type ExpressionBuilder, type Kysely, type Selectable, SqliteAdapter, sql } from 'kysely';
import { type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import type { EmailTokensTable, JwtgateDatabase, MailOutboxTable } from './schema.js';
import { toMillis, toNullableMillis } from './schema.js';

const tokens = 'jwtgate_email_tokens' as const;
const outbox = 'jwtgate_mail_outbox' as const;
const LAST_ERROR_MAX = 500;

/** The live link of this purpose and hash: unused and unexpired at `now`. */
function liveLink(purpose: EmailTokenPurpose, linkHash: string, now: number) {
  return (eb: ExpressionBuilder<JwtgateDatabase, typeof tokens>) =>
    eb.and([
      eb('link_hash', '=', linkHash),
      eb('purpose', '=', purpose),
      eb('used_at', 'is', null),
      eb('expires_at', '>', now),
    ]);
}

function toToken(row: Selectable<EmailTokensTable>): EmailTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    purpose: row.purpose as EmailTokenPurpose,
    email: row.email,
    linkHash: row.link_hash,
    codeHash: row.code_hash,
    stamp: row.stamp,
    attempts: Number(row.attempts),
    createdAt: toMillis(row.created_at),
    expiresAt: toMillis(row.expires_at),
    usedAt: toNullableMillis(row.used_at),
  };
}

function toEntry(row: Selectable<MailOutboxTable>): OutboxEntry {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind as MailKind,
    recipient: row.recipient,
    status: row.status as MailStatus,
    attempts: Number(row.attempts),
    createdAt: toMillis(row.created_at),
    nextAttemptAt: toMillis(row.next_attempt_at),
    sentAt: toNullableMillis(row.sent_at),
    lastError: row.last_error,
  };
}

function sameHash(a: string, b: string | null): boolean {
  if (b === null) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Queues `mails` in the outbox, due at once, inside the caller's transaction:
 * whatever the mails carry (a secret, an invitation) is written with them.
 *
 * @example
 * await db.transaction().execute(async (trx) => { await insertSecret(trx); await queueMails(trx, mails); });
 */
export async function queueMails(trx: Kysely<JwtgateDatabase>, mails: readonly OutboxMail[]): Promise<void> {
  if (mails.length === 0) return;
  await trx
    .insertInto(outbox)
    .values(
      mails.map((mail) => ({
        id: mail.id,
        user_id: mail.userId,
        kind: mail.kind,
        recipient: mail.recipient,
        payload: mail.payload,
        status: 'pending',
        attempts: 0,
        next_attempt_at: mail.createdAt,
        claimed_by: null,
        lease_until: null,
        last_error: null,
        created_at: mail.createdAt,
        sent_at: null,
      })),
    )
    .execute();
}

/**
 * Emailed secrets and the mail outbox in a SQL database. A secret is
 * consumed by one conditional UPDATE (`used_at is null`), so of concurrent
 * consumers exactly one changes the row; a mail is claimed the same way, by
 * an UPDATE that only matches while it is still due.
 *
 * @example
 * const store = createSqlEmailStore(db, { timeoutMs: 1000 });
 */
export function createSqlEmailStore(
  db: Kysely<JwtgateDatabase>,
  options: { readonly timeoutMs?: number } = {},
): EmailStore {
  const call: StoreCallOptions = options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs };
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  return {
    issue: (token, mails) =>
      withStoreErrors(
        () =>
          db.transaction().execute(async (trx) => {
            if (token !== null) {
              await trx
                .insertInto(tokens)
                .values({
                  id: token.id,
                  user_id: token.userId,
                  purpose: token.purpose,
                  email: token.email,
                  link_hash: token.linkHash,
                  code_hash: token.codeHash,
                  stamp: token.stamp,
                  attempts: token.attempts,
                  created_at: token.createdAt,
                  expires_at: token.expiresAt,
                  used_at: token.usedAt,
                })
                .execute();
            }
            await queueMails(trx, mails);
          }),
        call,
      ),

    consumeLink: (purpose, linkHash, now) =>
      withStoreErrors(async () => {
        const result = await db
          .updateTable(tokens)
          .set({ used_at: now })
          .where(liveLink(purpose, linkHash, now))
          .executeTakeFirst();
        if (result.numUpdatedRows !== 1n) return null;
        const row = await db.selectFrom(tokens).selectAll().where('link_hash', '=', linkHash).executeTakeFirst();
        return row === undefined ? null : toToken(row);
      }, call),

    findLink: (purpose, linkHash, now) =>
      withStoreErrors(async () => {
        const row = await db
          .selectFrom(tokens)
          .selectAll()
          .where(liveLink(purpose, linkHash, now))
          .executeTakeFirst();
        return row === undefined ? null : toToken(row);
      }, call),

    consumeCode: (purpose, userId, codeHash, now, maxAttempts) =>
      withStoreErrors(
        () =>
          db.transaction().execute(async (trx) => {
            // The row lock makes concurrent guesses take turns, so each is counted and one match wins.
            // SQLite needs none: its transactions on a database run one at a time.
            let select = trx
              .selectFrom(tokens)
              .selectAll()
              .where('user_id', '=', userId)
              .where('purpose', '=', purpose)
              .where('used_at', 'is', null)
              .where('expires_at', '>', now)
              .where('code_hash', 'is not', null)
              .orderBy('created_at', 'desc')
              .orderBy('id', 'desc')
              .limit(1);
            if (!sqlite) select = select.forUpdate();
            const row = await select.executeTakeFirst();
            if (row === undefined || Number(row.attempts) >= maxAttempts) return { outcome: 'none' } as const;
            if (sameHash(codeHash, row.code_hash)) {
              await trx.updateTable(tokens).set({ used_at: now }).where('id', '=', row.id).execute();
              return { outcome: 'used', token: toToken({ ...row, used_at: now }) } as const;
            }
            await trx
              .updateTable(tokens)
              .set({ attempts: Number(row.attempts) + 1 })
              .where('id', '=', row.id)
              .execute();
            return { outcome: 'wrong' } as const;
          }),
        call,
      ),

    claimMail: ({ now, limit, leaseMs, claimer }) =>
      withStoreErrors(async () => {
        // A claimed mail's next attempt is the end of its lease: a sender that died
        // leaves it due again then, and the same search finds it.
        const due = await db
          .selectFrom(outbox)
          .select('id')
          .where('status', 'in', ['pending', 'sending'])
          .where('next_attempt_at', '<=', now)
          .orderBy('next_attempt_at')
          .limit(limit)
          .execute();
        const claimed: ClaimedMail[] = [];
        for (const { id } of due) {
          const result = await db
            .updateTable(outbox)
            .set({
              status: 'sending',
              claimed_by: claimer,
              lease_until: now + leaseMs,
              next_attempt_at: now + leaseMs,
              attempts: sql<number>`attempts + 1`,
            })
            .where('id', '=', id)
            .where('status', 'in', ['pending', 'sending'])
            .where('next_attempt_at', '<=', now)
            .executeTakeFirst();
          if (result.numUpdatedRows !== 1n) continue;
          const row = await db
            .selectFrom(outbox)
            .selectAll()
            .where('id', '=', id)
            .where('claimed_by', '=', claimer)
            .executeTakeFirst();
          if (row === undefined || row.payload === null) continue;
          claimed.push({
            id: row.id,
            kind: row.kind as MailKind,
            recipient: row.recipient,
            payload: row.payload,
            attempts: Number(row.attempts),
          });
        }
        return claimed;
      }, call),

    settleMail: (id, claimer, settlement) =>
      withStoreErrors(async () => {
        const changes =
          settlement.status === 'sent'
            ? { status: 'sent', sent_at: settlement.at, payload: null, last_error: null, lease_until: null }
            : settlement.status === 'failed'
              ? {
                  status: 'failed',
                  payload: null,
                  last_error: settlement.error.slice(0, LAST_ERROR_MAX),
                  lease_until: null,
                  next_attempt_at: settlement.at,
                }
              : {
                  status: 'pending',
                  next_attempt_at: settlement.retryAt,
                  last_error: settlement.error.slice(0, LAST_ERROR_MAX),
                  lease_until: null,
                  claimed_by: null,
                };
        const result = await db
          .updateTable(outbox)
          .set(changes)
          .where('id', '=', id)
          .where('claimed_by', '=', claimer)
          .where('status', '=', 'sending')
          .executeTakeFirst();
        return result.numUpdatedRows === 1n;
      }, call),

    listMail: (query) => {
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 100) {
        return Promise.reject(new RangeError('limit must be an integer from 1 to 100'));
      }
      return withStoreErrors(async () => {
        let select = db.selectFrom(outbox).selectAll();
        if (query.status !== undefined) select = select.where('status', '=', query.status);
        const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
        return rows.map(toEntry);
      }, call);
    },

    purge: (before) =>
      withStoreErrors(async () => {
        const gone = await db.deleteFrom(tokens).where('expires_at', '<', before).executeTakeFirst();
        const sent = await db
          .deleteFrom(outbox)
          .where('status', 'in', ['sent', 'failed'])
          .where('created_at', '<', before)
          .executeTakeFirst();
        return { tokens: Number(gone.numDeletedRows), mails: Number(sent.numDeletedRows) };
      }, call),
  };
}
