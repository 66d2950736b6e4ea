import type { UserRecord } from '@jwtgate/core';
import type { Kysely } from 'kysely';
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
 * with `update` get the source's username, role, hash and disabled flag
 * (their sessions and `created_at` stay). A username another id holds is
 * refused for that user alone. The batch must hold each id and username key
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
        const existing = await trx
          .selectFrom('jwtgate_users')
          .select(['id', 'username_key'])
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
            ]),
          )
          .execute();
        const keyOfId = new Map(existing.map((row) => [row.id, row.username_key]));
        const idOfKey = new Map(existing.map((row) => [row.username_key, row.id]));
        for (const user of users) {
          const holder = idOfKey.get(user.usernameKey);
          if (keyOfId.has(user.id)) {
            if (mode === 'skip') skipped.push(user);
            else if (holder !== undefined && holder !== user.id) {
              refused.push({ user, reason: 'username: another user has it' });
            } else updated.push(user);
          } else if (holder !== undefined) {
            refused.push({ user, reason: 'username: another user has it' });
          } else inserted.push(user);
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
              username: user.username,
              username_key: user.usernameKey,
              password_hash: user.passwordHash,
              role: user.role,
              disabled: user.disabled ? 1 : 0,
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
