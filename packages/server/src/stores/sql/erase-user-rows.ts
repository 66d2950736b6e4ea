import type { UserRecord } from '@jwtgate/core';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { JwtgateDatabase } from './schema.js';

/**
 * What deleting a user does to each table that keeps rows under a user id,
 * by the name of that column. Every such table must be listed: a test reads
 * the real schema of every dialect and fails for a table with a user-id
 * column that is missing here, so a table added later cannot keep a deleted
 * user's rows by oversight.
 *
 * - `delete`: the user's rows go.
 * - `revocation-record`: sessions. They were all revoked just before (the
 *   access tokens must stay refused on every instance, which read revocations
 *   from these rows); the rows stay until the ended-session clean-up, with
 *   the client's address, browser and device label erased. Rows not revoked
 *   (a login still in flight, which fails on its own) go at once.
 * - `anonymise`: the audit trail keeps the user id, and loses the address,
 *   browser and every field naming the user (username, its digest,
 *   addresses, device labels).
 */
export const userOwnedTables = {
  jwtgate_users: { column: 'id', erase: 'delete' },
  jwtgate_sessions: { column: 'user_id', erase: 'revocation-record' },
  jwtgate_session_locks: { column: 'user_id', erase: 'delete' },
  jwtgate_mfa_totp: { column: 'user_id', erase: 'delete' },
  jwtgate_mfa_recovery_codes: { column: 'user_id', erase: 'delete' },
  jwtgate_passkeys: { column: 'user_id', erase: 'delete' },
  jwtgate_passkey_challenges: { column: 'user_id', erase: 'delete' },
  jwtgate_identities: { column: 'user_id', erase: 'delete' },
  jwtgate_login_challenges: { column: 'user_id', erase: 'delete' },
  jwtgate_email_tokens: { column: 'user_id', erase: 'delete' },
  jwtgate_mail_outbox: { column: 'user_id', erase: 'delete' },
  jwtgate_invitations: { column: 'user_id', erase: 'delete' },
  jwtgate_provider_logout_hints: { column: 'user_id', erase: 'delete' },
  jwtgate_provider_sessions: { column: 'user_id', erase: 'delete' },
  jwtgate_audit: { column: 'user_id', erase: 'anonymise' },
} as const satisfies Partial<
  Record<keyof JwtgateDatabase, { column: string; erase: 'delete' | 'revocation-record' | 'anonymise' }>
>;

/** Fields of an audit record's details that name or locate a person. */
const PERSONAL_DETAILS = new Set([
  'username',
  'usernameDigest',
  'attempted',
  'email',
  'newEmail',
  'device',
  'ip',
  'userAgent',
]);

/** Audit details rewritten per statement: bounded memory however long a user's trail is. */
const AUDIT_BATCH = 500;

/**
 * Erases `user` from every table of {@link userOwnedTables} but the users
 * table itself, inside the caller's transaction: adding a table there is all
 * a `delete` table needs. Mails to the user's address that carry no user id
 * (an invitation) go too.
 *
 * @example
 * await db.transaction().execute((trx) => eraseUserRows(trx, user));
 */
export async function eraseUserRows(trx: Transaction<JwtgateDatabase>, user: UserRecord): Promise<void> {
  const id = user.id;
  for (const [table, { column, erase }] of Object.entries(userOwnedTables)) {
    if (erase !== 'delete' || table === 'jwtgate_users') continue;
    await sql`delete from ${sql.table(table)} where ${sql.ref(column)} = ${id}`.execute(trx);
  }
  const email = user.email ?? null;
  if (email !== null) await trx.deleteFrom('jwtgate_mail_outbox').where('recipient', '=', email).execute();
  await trx.deleteFrom('jwtgate_sessions').where('user_id', '=', id).where('revoked_at', 'is', null).execute();
  await trx
    .updateTable('jwtgate_sessions')
    .set({ ip: null, user_agent: null, device: null })
    .where('user_id', '=', id)
    .execute();
  await anonymiseAudit(trx, id);
}

/** The user's audit records, and those of their actions on others, without address, browser or name. */
async function anonymiseAudit(trx: Kysely<JwtgateDatabase>, userId: string): Promise<void> {
  await trx
    .updateTable('jwtgate_audit')
    .set({ ip: null, user_agent: null })
    .where((w) => w.or([w('user_id', '=', userId), w('actor_id', '=', userId)]))
    .execute();
  let after = '';
  for (;;) {
    const rows = await trx
      .selectFrom('jwtgate_audit')
      .select(['id', 'details'])
      .where('user_id', '=', userId)
      .where('id', '>', after)
      .orderBy('id')
      .limit(AUDIT_BATCH)
      .execute();
    for (const row of rows) {
      const details = JSON.parse(row.details) as Record<string, unknown>;
      const personal = Object.keys(details).filter((key) => PERSONAL_DETAILS.has(key));
      if (personal.length === 0) continue;
      for (const key of personal) delete details[key];
      await trx
        .updateTable('jwtgate_audit')
        .set({ details: JSON.stringify(details) })
        .where('id', '=', row.id)
        .execute();
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < AUDIT_BATCH) return;
    after = last.id;
  }
}
