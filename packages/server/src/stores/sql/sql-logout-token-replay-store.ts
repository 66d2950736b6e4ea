import type { LogoutTokenReplayStore } from '@jwtgate/core';
import type { Kysely } from 'kysely';
import { isUniqueViolation, type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import type { JwtgateDatabase } from './schema.js';

const TABLE = 'jwtgate_logout_tokens' as const;

/**
 * Accepted logout tokens in the SQL database every instance shares. The
 * claim is decided by the primary key: of concurrent inserts of one key, the
 * database lets exactly one through. An expired record of the key is
 * deleted first, and expired records of other keys with it.
 *
 * @example
 * const replay = createSqlLogoutTokenReplayStore(database.db, { timeoutMs: 1000 });
 * if (!(await replay.claim(key, expiresAt, now))) throw replayed();
 */
export function createSqlLogoutTokenReplayStore(
  db: Kysely<JwtgateDatabase>,
  options: { readonly timeoutMs?: number } = {},
): LogoutTokenReplayStore {
  const call: StoreCallOptions = options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs };
  return {
    claim: (key, expiresAt, now) =>
      withStoreErrors(async () => {
        await db.deleteFrom(TABLE).where('expires_at', '<=', now).execute();
        try {
          await db.insertInto(TABLE).values({ token_key: key, expires_at: expiresAt }).execute();
          return true;
        } catch (error) {
          if (isUniqueViolation(error)) return false;
          throw error;
        }
      }, call),

    release: (key) =>
      withStoreErrors(async () => {
        await db.deleteFrom(TABLE).where('token_key', '=', key).execute();
      }, call),
  };
}
