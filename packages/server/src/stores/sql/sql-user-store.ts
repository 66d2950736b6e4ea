import { AuthError, type UserRecord, type UserStore } from '@jwtgate/core';
import type { Kysely, Selectable } from 'kysely';
import { isUniqueViolation, type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import type { JwtgateDatabase, UsersTable } from './schema.js';
import { toMillis } from './schema.js';

function toRecord(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    username: row.username,
    usernameKey: row.username_key,
    passwordHash: row.password_hash,
    role: row.role,
    disabled: Boolean(Number(row.disabled)),
    createdAt: toMillis(row.created_at),
    updatedAt: toMillis(row.updated_at),
  };
}

/** Options of {@link createSqlUserStore}. */
export interface SqlUserStoreOptions {
  /** Every call answers within this time, or fails with `ERR_STORE_UNAVAILABLE`. */
  readonly timeoutMs?: number;
}

/**
 * Users in a SQL database. Username uniqueness is the database's unique index
 * on the case-folded key, so concurrent registrations cannot both succeed.
 *
 * @example
 * const users = createSqlUserStore(db, { timeoutMs: 1000 });
 */
export function createSqlUserStore(db: Kysely<JwtgateDatabase>, options: SqlUserStoreOptions = {}): UserStore {
  const table = 'jwtgate_users' as const;
  const call: StoreCallOptions = options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs };
  return {
    create: (user) =>
      withStoreErrors(async () => {
        try {
          await db
            .insertInto(table)
            .values({
              id: user.id,
              username: user.username,
              username_key: user.usernameKey,
              password_hash: user.passwordHash,
              role: user.role,
              disabled: user.disabled ? 1 : 0,
              created_at: user.createdAt,
              updated_at: user.updatedAt,
            })
            .execute();
        } catch (error) {
          if (isUniqueViolation(error)) throw new AuthError('ERR_USERNAME_TAKEN');
          throw error;
        }
      }, call),

    findById: (id) =>
      withStoreErrors(async () => {
        const row = await db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst();
        return row === undefined ? null : toRecord(row);
      }, call),

    findByUsernameKey: (usernameKey) =>
      withStoreErrors(async () => {
        const row = await db.selectFrom(table).selectAll().where('username_key', '=', usernameKey).executeTakeFirst();
        return row === undefined ? null : toRecord(row);
      }, call),

    update: (id, changes) =>
      withStoreErrors(
        () =>
          db.transaction().execute(async (trx) => {
            const result = await trx
              .updateTable(table)
              .set({
                updated_at: changes.updatedAt,
                ...(changes.passwordHash === undefined ? {} : { password_hash: changes.passwordHash }),
                ...(changes.role === undefined ? {} : { role: changes.role }),
                ...(changes.disabled === undefined ? {} : { disabled: changes.disabled ? 1 : 0 }),
              })
              .where('id', '=', id)
              .executeTakeFirst();
            if (result.numUpdatedRows === 0n) return null;
            const row = await trx.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirstOrThrow();
            return toRecord(row);
          }),
        call,
      ),
  };
}
