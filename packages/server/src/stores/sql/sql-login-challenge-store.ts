import type { LoginChallenge, LoginChallengePurpose, LoginChallengeStore } from '@jwtgate/core';
import type { Kysely, Selectable } from 'kysely';
import { type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import { type JwtgateDatabase, type LoginChallengesTable, toMillis } from './schema.js';

const TABLE = 'jwtgate_login_challenges' as const;

function toChallenge(row: Selectable<LoginChallengesTable>): LoginChallenge {
  return {
    id: row.id,
    userId: row.user_id,
    purpose: row.purpose as LoginChallengePurpose,
    network: row.network,
    userAgent: row.user_agent,
    device: row.device,
    cookie: Number(row.cookie) === 1,
    amr: row.amr.split(' '),
    authTime: toMillis(row.auth_time),
    // Challenges made before the column existed match no user's version: they are void.
    credentialVersion: row.credential_version === null ? -1 : Number(row.credential_version),
    expiresAt: toMillis(row.expires_at),
    ...(row.provider_hint === null ? {} : { providerHint: row.provider_hint }),
  };
}

/**
 * Logins waiting for their second factor, in the SQL database every
 * instance shares. `consume` is one conditional DELETE: the database decides
 * the one caller that finishes the login.
 *
 * @example
 * const challenges = createSqlLoginChallengeStore(database.db, { timeoutMs: 1000 });
 */
export function createSqlLoginChallengeStore(
  db: Kysely<JwtgateDatabase>,
  options: { readonly timeoutMs?: number } = {},
): LoginChallengeStore {
  const call: StoreCallOptions = options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs };
  return {
    create: (challenge) =>
      withStoreErrors(async () => {
        await db
          .insertInto(TABLE)
          .values({
            id: challenge.id,
            user_id: challenge.userId,
            purpose: challenge.purpose,
            network: challenge.network,
            user_agent: challenge.userAgent,
            device: challenge.device,
            cookie: challenge.cookie ? 1 : 0,
            amr: challenge.amr.join(' '),
            auth_time: challenge.authTime,
            credential_version: challenge.credentialVersion,
            expires_at: challenge.expiresAt,
            provider_hint: challenge.providerHint ?? null,
          })
          .execute();
      }, call),

    find: (id, now) =>
      withStoreErrors(async () => {
        const row = await db
          .selectFrom(TABLE)
          .selectAll()
          .where('id', '=', id)
          .where('expires_at', '>', now)
          .executeTakeFirst();
        return row === undefined ? null : toChallenge(row);
      }, call),

    consume: (id, now) =>
      withStoreErrors(async () => {
        const result = await db.deleteFrom(TABLE).where('id', '=', id).where('expires_at', '>', now).executeTakeFirst();
        return Number(result.numDeletedRows) === 1;
      }, call),

    deleteExpired: (before) =>
      withStoreErrors(async () => {
        const result = await db.deleteFrom(TABLE).where('expires_at', '<', before).executeTakeFirst();
        return Number(result.numDeletedRows);
      }, call),
  };
}
