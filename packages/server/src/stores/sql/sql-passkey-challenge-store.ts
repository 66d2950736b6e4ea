import type { PasskeyChallenge, PasskeyChallengePurpose, PasskeyChallengeStore } from '@jwtgate/core';
import type { Kysely } from 'kysely';
import { type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import { type JwtgateDatabase, toMillis } from './schema.js';

const TABLE = 'jwtgate_passkey_challenges' as const;

/**
 * WebAuthn challenges in the SQL database every instance shares. `take`
 * reads the row, then deletes it with one conditional DELETE: the database
 * decides the one caller whose delete counts, and only that caller gets the
 * row (which never changes once written).
 *
 * @example
 * const challenges = createSqlPasskeyChallengeStore(database.db, { timeoutMs: 1000 });
 */
export function createSqlPasskeyChallengeStore(
  db: Kysely<JwtgateDatabase>,
  options: { readonly timeoutMs?: number } = {},
): PasskeyChallengeStore {
  const call: StoreCallOptions = options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs };
  return {
    create: (challenge) =>
      withStoreErrors(async () => {
        await db
          .insertInto(TABLE)
          .values({
            id: challenge.id,
            purpose: challenge.purpose,
            user_id: challenge.userId,
            login_challenge_id: challenge.loginChallengeId,
            expires_at: challenge.expiresAt,
          })
          .execute();
      }, call),

    take: (id, now) =>
      withStoreErrors(async (): Promise<PasskeyChallenge | null> => {
        const row = await db
          .selectFrom(TABLE)
          .selectAll()
          .where('id', '=', id)
          .where('expires_at', '>', now)
          .executeTakeFirst();
        if (row === undefined) return null;
        const deleted = await db.deleteFrom(TABLE).where('id', '=', id).executeTakeFirst();
        if (Number(deleted.numDeletedRows) !== 1) return null;
        return {
          id: row.id,
          purpose: row.purpose as PasskeyChallengePurpose,
          userId: row.user_id,
          loginChallengeId: row.login_challenge_id,
          expiresAt: toMillis(row.expires_at),
        };
      }, call),

    deleteExpired: (before) =>
      withStoreErrors(async () => {
        const result = await db.deleteFrom(TABLE).where('expires_at', '<', before).executeTakeFirst();
        return Number(result.numDeletedRows);
      }, call),
  };
}
