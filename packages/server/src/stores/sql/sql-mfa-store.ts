import type { FactorRemoval, MfaFactors, MfaStore, TotpFactor } from '@jwtgate/core';
import { type Kysely, type Selectable, sql } from 'kysely';
import { isUniqueViolation, retryOnConflict, type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import { type JwtgateDatabase, type MfaTotpTable, toMillis, toNullableMillis } from './schema.js';
import { isSqlite, writeTransaction } from './write-transaction.js';

const TOTP = 'jwtgate_mfa_totp' as const;
const CODES = 'jwtgate_mfa_recovery_codes' as const;
const PASSKEYS = 'jwtgate_passkeys' as const;

function toTotp(row: Selectable<MfaTotpTable>): TotpFactor {
  return {
    userId: row.user_id,
    secret: row.secret,
    confirmedAt: toNullableMillis(row.confirmed_at),
    lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
    createdAt: toMillis(row.created_at),
  };
}

/**
 * Second factors in the SQL database. Spending a time step or a recovery
 * code is one conditional UPDATE, so the database decides the one caller
 * that gets it; changes that touch both tables lock the user's secret row
 * first, so a removal and a confirmation or a new set of codes take turns.
 * Removing a factor (the app or a passkey, whose table it shares the
 * database with) locks the user's secret row and then their passkey rows,
 * always in this order, counts what is left and deletes in the same
 * transaction: two removals of one user's factors take turns, and the second
 * counts what the first left.
 *
 * @example
 * const factors = createSqlMfaStore(database.db, { timeoutMs: 1000 });
 */
export function createSqlMfaStore(
  db: Kysely<JwtgateDatabase>,
  options: { readonly timeoutMs?: number } = {},
): MfaStore {
  const call: StoreCallOptions = options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs };
  return {
    get: (userId) =>
      withStoreErrors(async (): Promise<MfaFactors> => {
        const [row, count] = await Promise.all([
          db.selectFrom(TOTP).selectAll().where('user_id', '=', userId).executeTakeFirst(),
          db
            .selectFrom(CODES)
            .select((eb) => eb.fn.countAll<number | string | bigint>().as('left'))
            .where('user_id', '=', userId)
            .where('used_at', 'is', null)
            .executeTakeFirst(),
        ]);
        return { totp: row === undefined ? null : toTotp(row), recoveryCodesLeft: Number(count?.left ?? 0) };
      }, call),

    startTotp: (factor) =>
      withStoreErrors(async () => {
        try {
          await db
            .insertInto(TOTP)
            .values({ user_id: factor.userId, secret: factor.secret, created_at: factor.createdAt })
            .execute();
          return true;
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
        }
        const result = await db
          .updateTable(TOTP)
          .set({ secret: factor.secret, created_at: factor.createdAt, last_used_step: null })
          .where('user_id', '=', factor.userId)
          .where('confirmed_at', 'is', null)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      }, call),

    confirmTotp: (userId, { secret, step, recoveryCodeHashes, now }) =>
      withStoreErrors(
        () =>
          retryOnConflict(() =>
            db.transaction().execute(async (trx) => {
              const confirmed = await trx
                .updateTable(TOTP)
                .set({ confirmed_at: now, last_used_step: step })
                .where('user_id', '=', userId)
                .where('secret', '=', secret)
                .where('confirmed_at', 'is', null)
                .executeTakeFirst();
              if (Number(confirmed.numUpdatedRows) !== 1) return false;
              await trx.deleteFrom(CODES).where('user_id', '=', userId).execute();
              if (recoveryCodeHashes.length > 0) {
                await trx
                  .insertInto(CODES)
                  .values(recoveryCodeHashes.map((hash) => ({ user_id: userId, code_hash: hash, created_at: now })))
                  .execute();
              }
              return true;
            }),
          ),
        call,
      ),

    useTotpStep: (userId, step) =>
      withStoreErrors(async () => {
        const result = await db
          .updateTable(TOTP)
          .set({ last_used_step: step })
          .where('user_id', '=', userId)
          .where('confirmed_at', 'is not', null)
          .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      }, call),

    useRecoveryCode: (userId, codeHash, now) =>
      withStoreErrors(async () => {
        const result = await db
          .updateTable(CODES)
          .set({ used_at: now })
          .where('user_id', '=', userId)
          .where('code_hash', '=', codeHash)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      }, call),

    replaceRecoveryCodes: (userId, codeHashes, now) =>
      withStoreErrors(
        () =>
          retryOnConflict(() =>
            db.transaction().execute(async (trx) => {
              // Locks the confirmed secret's row: a removal waits for this, then deletes these codes too.
              const locked = await trx
                .updateTable(TOTP)
                .set({ created_at: sql<number>`created_at` })
                .where('user_id', '=', userId)
                .where('confirmed_at', 'is not', null)
                .executeTakeFirst();
              if (Number(locked.numUpdatedRows) !== 1) return false;
              await trx.deleteFrom(CODES).where('user_id', '=', userId).execute();
              if (codeHashes.length > 0) {
                await trx
                  .insertInto(CODES)
                  .values(codeHashes.map((hash) => ({ user_id: userId, code_hash: hash, created_at: now })))
                  .execute();
              }
              return true;
            }),
          ),
        call,
      ),

    removeFactor: (userId, factor, { keepOne }) =>
      withStoreErrors(
        () =>
          retryOnConflict(() =>
            writeTransaction(db, async (trx): Promise<FactorRemoval> => {
              const sqlite = isSqlite(trx);
              const secretQuery = trx.selectFrom(TOTP).select('confirmed_at').where('user_id', '=', userId);
              const secret = await (sqlite ? secretQuery : secretQuery.forUpdate()).executeTakeFirst();
              const passkeyQuery = trx.selectFrom(PASSKEYS).select('id').where('user_id', '=', userId);
              const passkeys = await (sqlite ? passkeyQuery : passkeyQuery.forUpdate()).execute();
              const hasApp = secret !== undefined && secret.confirmed_at !== null;
              if (factor.kind === 'totp') {
                if (hasApp && keepOne && passkeys.length === 0) return 'last-factor';
                // An unconfirmed secret goes too: it is no factor, and a set-up starts again from scratch.
                await trx.deleteFrom(TOTP).where('user_id', '=', userId).execute();
                await trx.deleteFrom(CODES).where('user_id', '=', userId).execute();
                return hasApp ? 'removed' : 'not-found';
              }
              // Compared here, byte for byte: the id column's collation decides nothing.
              if (!passkeys.some((row) => row.id === factor.id)) return 'not-found';
              if (keepOne && !hasApp && passkeys.length < 2) return 'last-factor';
              await trx.deleteFrom(PASSKEYS).where('id', '=', factor.id).where('user_id', '=', userId).execute();
              return 'removed';
            }),
          ),
        call,
      ),
  };
}
