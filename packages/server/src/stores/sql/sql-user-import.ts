import type { UserRecord } from '@jwtgate/core';
import { type Kysely, sql } from 'kysely';
import { isRetriableConflict, isUniqueViolation } from '../store-errors.js';
import type { JwtgateDatabase } from './schema.js';
import { toUserRow } from './sql-user-store.js';

/** What re-importing a user whose id is already stored does. */
export type ImportMode = 'skip' | 'update';

/** The outcome of one batch: every user lands in exactly one list. */
export interface ImportBatchResult {
  readonly inserted: readonly UserRecord[];
  readonly updated: readonly UserRecord[];
  /** Ids already stored (mode `skip`): left exactly as they were. */
  readonly skipped: readonly UserRecord[];
  readonly refused: readonly { readonly user: UserRecord; readonly reason: string }[];
}

/** Rows per INSERT statement: 8 columns each stays far below every dialect's parameter limit. */
const ROWS_PER_INSERT = 500;

/**
 * Writes one batch of imported users in one transaction: all of it or, on
 * any failure, none of it. Users whose id is stored already are skipped, or
 * with `update` get the source's username, email (when the row has one),
 * role, hash and disabled flag (their sessions and `created_at` stay). A username or email address
 * another id holds is refused for that user alone. The batch must hold each id and username key
 * once (the caller refuses repeats); a registration that takes a username
 * between the check and the insert makes the transaction fail on the unique
 * index, and the batch is judged again from scratch.
 *
 * @example
 * const result = await importUserBatch(db, users, 'skip');
 */
export async function importUserBatch(
  db: Kysely<JwtgateDatabase>,
  users: readonly UserRecord[],
  mode: ImportMode,
): Promise<ImportBatchResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(async (trx) => {
        const inserted: UserRecord[] = [];
        const updated: UserRecord[] = [];
        const skipped: UserRecord[] = [];
        const refused: { user: UserRecord; reason: string }[] = [];
        if (users.length === 0) return { inserted, updated, skipped, refused };
        const emailKeys = users.flatMap((u) => (u.emailKey == null ? [] : [u.emailKey]));
        const existing = await trx
          .selectFrom('jwtgate_users')
          .select(['id', 'username_key', 'email_key'])
          .where((eb) =>
            eb.or([
              eb(
                'id',
                'in',
                users.map((u) => u.id),
              ),
              eb(
                'username_key',
                'in',
                users.map((u) => u.usernameKey),
              ),
              ...(emailKeys.length === 0 ? [] : [eb('email_key', 'in', emailKeys)]),
            ]),
          )
          .execute();
        const keyOfId = new Map(existing.map((row) => [row.id, row.username_key]));
        const idOfKey = new Map(existing.map((row) => [row.username_key, row.id]));
        const idOfEmail = new Map(existing.flatMap((row) => (row.email_key === null ? [] : [[row.email_key, row.id]])));
        for (const user of users) {
          const holder = idOfKey.get(user.usernameKey);
          const emailHolder = user.emailKey == null ? undefined : idOfEmail.get(user.emailKey);
          if (keyOfId.has(user.id) && mode === 'skip') skipped.push(user);
          else if (holder !== undefined && holder !== user.id) {
            refused.push({ user, reason: 'username: another user has it' });
          } else if (emailHolder !== undefined && emailHolder !== user.id) {
            refused.push({ user, reason: 'email: another user has it' });
          } else if (keyOfId.has(user.id)) updated.push(user);
          else inserted.push(user);
        }
        for (let i = 0; i < inserted.length; i += ROWS_PER_INSERT) {
          await trx
            .insertInto('jwtgate_users')
            .values(inserted.slice(i, i + ROWS_PER_INSERT).map(toUserRow))
            .execute();
        }
        for (const user of updated) {
          await trx
            .updateTable('jwtgate_users')
            .set({
              // First: MySQL evaluates assignments in order, and this compares with the old values.
              // A new hash, role, disabled flag or address ends the sessions started before, as a password
              // change or a confirmed address change does; a re-run that changes none of them ends nothing.
              credential_version: sql<number>`credential_version + case when password_hash <> ${user.passwordHash} or role <> ${user.role} or disabled <> ${user.disabled ? 1 : 0}${user.emailKey == null ? sql`` : sql` or coalesce(email_key, '') <> ${user.emailKey}`} then 1 else 0 end`,
              username: user.username,
              username_key: user.usernameKey,
              password_hash: user.passwordHash,
              role: user.role,
              disabled: user.disabled ? 1 : 0,
              // A row without an address keeps the stored one (a source may simply not have the column).
              ...(user.email == null
                ? {}
                : {
                    email: user.email,
                    email_key: user.emailKey ?? null,
                    email_verified_at: user.emailVerifiedAt ?? null,
                  }),
              updated_at: user.updatedAt,
            })
            .where('id', '=', user.id)
            .execute();
        }
        return { inserted, updated, skipped, refused };
      });
    } catch (error) {
      // A username taken by a concurrent registration, or a lost deadlock: judge the batch again.
      if (attempt >= 4 || !(isUniqueViolation(error) || isRetriableConflict(error))) throw error;
    }
  }
}
