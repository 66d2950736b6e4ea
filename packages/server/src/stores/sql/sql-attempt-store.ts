import type { AttemptCount, AttemptStore } from '@jwtgate/core';
import { type Kysely, sql } from 'kysely';
import { attemptKeyDigest } from '../attempt-key.js';
import { type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import type { SqlDialectName } from './open-database.js';
import { type JwtgateDatabase, toMillis } from './schema.js';

const NONE: AttemptCount = { failures: 0, resetAt: 0 };
const TABLE = 'jwtgate_attempts' as const;

/**
 * MySQL has no `RETURNING`: the new count and the window's remaining time
 * come back packed into the statement's insert id (`LAST_INSERT_ID(expr)`),
 * the remaining milliseconds in the low 40 bits (34 years), the count above
 * (capped, far beyond any limit, so it stays within 63 bits).
 */
const REMAINING_BITS = 40n;
const MAX_PACKED_FAILURES = 2 ** 22 - 1;

/** An attempt store in SQL, and its housekeeping. */
export interface SqlAttemptStore extends AttemptStore {
  /** Deletes the rows whose window ended before `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

/**
 * Failed-attempt counts in the database, shared by every instance on it, for
 * deployments on PostgreSQL or MySQL without Redis (on SQLite it serves one
 * instance, like memory, but survives restarts). Keys are stored as digests
 * ({@link attemptKeyDigest}). `hit` is one atomic upsert per key in one round
 * trip: `INSERT … ON CONFLICT DO UPDATE … RETURNING` for all the keys at once
 * on PostgreSQL and SQLite, `INSERT … ON DUPLICATE KEY UPDATE` per key (in
 * parallel) on MySQL/MariaDB. The row lock of the upsert is what makes
 * concurrent hits count every one.
 *
 * @example
 * const attempts = createSqlAttemptStore(database.db, database.dialect, { timeoutMs: 1000 });
 */
export function createSqlAttemptStore(
  db: Kysely<JwtgateDatabase>,
  dialect: SqlDialectName,
  options: { readonly timeoutMs?: number } = {},
): SqlAttemptStore {
  const call: StoreCallOptions = options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs };

  /** PostgreSQL and SQLite: every key in one statement; sorted, so concurrent calls lock rows in one order. */
  async function hitReturning(digests: readonly string[], now: number, resetAt: number) {
    const running = sql<boolean>`${sql.ref(`${TABLE}.reset_at`)} > ${now} and ${sql.ref(`${TABLE}.failures`)} > 0`;
    const rows = await db
      .insertInto(TABLE)
      .values([...digests].sort().map((digest) => ({ attempt_key: digest, failures: 1, reset_at: resetAt })))
      .onConflict((conflict) =>
        conflict.column('attempt_key').doUpdateSet({
          failures: sql`case when ${running} then ${sql.ref(`${TABLE}.failures`)} + 1 else 1 end`,
          reset_at: sql`case when ${running} then ${sql.ref(`${TABLE}.reset_at`)} else ${sql.ref('excluded.reset_at')} end`,
        }),
      )
      .returning(['attempt_key', 'failures', 'reset_at'])
      .execute();
    return new Map(
      rows.map((row) => [row.attempt_key, { failures: Number(row.failures), resetAt: toMillis(row.reset_at) }]),
    );
  }

  /**
   * MySQL/MariaDB: one statement per key. Assignments run left to right and
   * see the values already assigned, so `failures` goes first, from the old
   * row, and `reset_at` follows from the new count (1 means a new window).
   */
  async function hitOneMysql(digest: string, now: number, resetAt: number): Promise<AttemptCount> {
    const running = sql`reset_at > ${now} and failures > 0`;
    const failures = sql`if(${running}, failures + 1, 1)`;
    const remaining = sql`if(${running}, reset_at, ${resetAt}) - ${now}`;
    const result = await db
      .insertInto(TABLE)
      .values({ attempt_key: digest, failures: 1, reset_at: resetAt })
      .onDuplicateKeyUpdate({
        failures: sql`${failures} + 0 * last_insert_id((least(${failures}, ${MAX_PACKED_FAILURES}) << ${sql.lit(Number(REMAINING_BITS))}) + ${remaining})`,
        reset_at: sql`if(failures > 1, reset_at, ${resetAt})`,
      })
      .executeTakeFirst();
    // A new row sets no insert id: it is the first failure of a new window.
    const packed = result.insertId;
    if (packed === undefined || packed === 0n) return { failures: 1, resetAt };
    const mask = (1n << REMAINING_BITS) - 1n;
    return { failures: Number(packed >> REMAINING_BITS), resetAt: now + Number(packed & mask) };
  }

  return {
    peek: (keys, now) =>
      withStoreErrors(async () => {
        const digests = keys.map(attemptKeyDigest);
        if (digests.length === 0) return [];
        const rows = await db
          .selectFrom(TABLE)
          .select(['attempt_key', 'failures', 'reset_at'])
          .where('attempt_key', 'in', [...new Set(digests)])
          .execute();
        const found = new Map(rows.map((row) => [row.attempt_key, row]));
        return digests.map((digest) => {
          const row = found.get(digest);
          if (row === undefined || Number(row.failures) <= 0 || toMillis(row.reset_at) <= now) return NONE;
          return { failures: Number(row.failures), resetAt: toMillis(row.reset_at) };
        });
      }, call),

    hit: (keys, now, windowMs) =>
      withStoreErrors(async () => {
        const digests = keys.map(attemptKeyDigest);
        if (digests.length === 0) return [];
        const resetAt = now + windowMs;
        if (dialect === 'mysql') return Promise.all(digests.map((digest) => hitOneMysql(digest, now, resetAt)));
        const counts = await hitReturning([...new Set(digests)], now, resetAt);
        return digests.map((digest) => counts.get(digest) ?? NONE);
      }, call),

    release: (hits) =>
      withStoreErrors(async () => {
        if (hits.length === 0) return;
        // A row at zero stays until it expires or is hit again; a hit on it starts a new window.
        await db
          .updateTable(TABLE)
          .set({ failures: sql`failures - 1` })
          .where('failures', '>', 0)
          .where((where) =>
            where.or(
              hits.map((hit) =>
                where.and([where('attempt_key', '=', attemptKeyDigest(hit.key)), where('reset_at', '=', hit.resetAt)]),
              ),
            ),
          )
          .execute();
      }, call),

    clear: (keys) =>
      withStoreErrors(async () => {
        if (keys.length === 0) return;
        await db.deleteFrom(TABLE).where('attempt_key', 'in', keys.map(attemptKeyDigest)).execute();
      }, call),

    deleteExpired: (now) =>
      withStoreErrors(async () => {
        const result = await db.deleteFrom(TABLE).where('reset_at', '<=', now).executeTakeFirst();
        return Number(result.numDeletedRows);
      }, call),
  };
}
