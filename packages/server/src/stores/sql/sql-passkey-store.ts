import type { Passkey, PasskeyDeviceType, PasskeyStore } from '@jwtgate/core';
import type { Kysely, Selectable } from 'kysely';
import { isUniqueViolation, type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import { type JwtgateDatabase, type PasskeysTable, toMillis, toNullableMillis } from './schema.js';

const TABLE = 'jwtgate_passkeys' as const;

function toPasskey(row: Selectable<PasskeysTable>): Passkey {
  return {
    id: row.id,
    userId: row.user_id,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: row.transports === '' ? [] : row.transports.split(' '),
    deviceType: row.device_type as PasskeyDeviceType,
    backupEligible: Number(row.backup_eligible) === 1,
    backedUp: Number(row.backed_up) === 1,
    name: row.name,
    createdAt: toMillis(row.created_at),
    lastUsedAt: toNullableMillis(row.last_used_at),
  };
}

/**
 * Passkeys in the SQL database. A credential id is the primary key, so the
 * database refuses a second registration of one; a use moves the counter
 * forward in one conditional UPDATE, so of two answers with one count the
 * database lets one through. A single passkey is deleted by the
 * `MfaStore` (`removeFactor`), which decides whether it may go.
 *
 * @example
 * const passkeys = createSqlPasskeyStore(database.db, { timeoutMs: 1000 });
 */
export function createSqlPasskeyStore(
  db: Kysely<JwtgateDatabase>,
  options: { readonly timeoutMs?: number } = {},
): PasskeyStore {
  const call: StoreCallOptions = options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs };
  return {
    add: (passkey) =>
      withStoreErrors(async () => {
        try {
          await db
            .insertInto(TABLE)
            .values({
              id: passkey.id,
              user_id: passkey.userId,
              public_key: passkey.publicKey,
              counter: passkey.counter,
              transports: passkey.transports.join(' '),
              device_type: passkey.deviceType,
              backup_eligible: passkey.backupEligible ? 1 : 0,
              backed_up: passkey.backedUp ? 1 : 0,
              name: passkey.name,
              created_at: passkey.createdAt,
              last_used_at: passkey.lastUsedAt,
            })
            .execute();
          return true;
        } catch (error) {
          if (isUniqueViolation(error)) return false;
          throw error;
        }
      }, call),

    find: (id) =>
      withStoreErrors(async () => {
        const row = await db.selectFrom(TABLE).selectAll().where('id', '=', id).executeTakeFirst();
        return row === undefined ? null : toPasskey(row);
      }, call),

    list: (userId) =>
      withStoreErrors(async () => {
        const rows = await db
          .selectFrom(TABLE)
          .selectAll()
          .where('user_id', '=', userId)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        return rows.map(toPasskey);
      }, call),

    recordUse: (id, use) =>
      withStoreErrors(async () => {
        const result = await db
          .updateTable(TABLE)
          .set({ counter: use.counter, backed_up: use.backedUp ? 1 : 0, last_used_at: use.usedAt })
          .where('id', '=', id)
          // An authenticator that keeps no counter reports 0 every time; one that keeps one only counts up.
          .where('counter', use.counter === 0 ? '=' : '<', use.counter)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      }, call),

    rename: (userId, id, name) =>
      withStoreErrors(async () => {
        // MySQL counts only changed rows as updated: a rename to the same name must still say the passkey exists.
        const row = await db
          .selectFrom(TABLE)
          .select('id')
          .where('id', '=', id)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        if (row === undefined) return false;
        await db.updateTable(TABLE).set({ name }).where('id', '=', id).where('user_id', '=', userId).execute();
        return true;
      }, call),

    removeAll: (userId) =>
      withStoreErrors(async () => {
        const result = await db.deleteFrom(TABLE).where('user_id', '=', userId).executeTakeFirst();
        return Number(result.numDeletedRows);
      }, call),
  };
}
