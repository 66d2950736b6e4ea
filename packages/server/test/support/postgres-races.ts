import type pg from 'pg';
import { expect } from 'vitest';

/**
 * Waits until a request of the server waits for the lock the test holds on
 * `table` (`lock table … in exclusive mode` in an open transaction).
 *
 * @example
 * await waitUntilWaiting(db, 'jwtgate_identities');
 */
export async function waitUntilWaiting(db: pg.Client, table: string): Promise<void> {
  await expect
    .poll(
      async () =>
        (
          await db.query<{ n: number }>(
            'select count(*)::int as n from pg_locks where not granted and relation = $1::regclass',
            [table],
          )
        ).rows[0]?.n,
      { timeout: 15_000, interval: 50 },
    )
    .toBeGreaterThan(0);
}

/**
 * The password change another instance makes, in the test's open
 * transaction: a new credential version, every session ended; then commits.
 *
 * @example
 * await changeElsewhere(db, userId, t.clock.now());
 */
export async function changeElsewhere(db: pg.Client, userId: string, now: number): Promise<void> {
  await db.query('update jwtgate_users set credential_version = credential_version + 1 where id = $1', [userId]);
  await db.query('update jwtgate_sessions set revoked_at = $2 where user_id = $1 and revoked_at is null', [
    userId,
    now,
  ]);
  await db.query('commit');
}
