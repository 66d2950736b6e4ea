import type { ProviderLogoutHintStore } from '@jwtgate/core';
import type { Kysely } from 'kysely';
import { type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import { type JwtgateDatabase, toMillis } from './schema.js';

const HINTS = 'jwtgate_provider_logout_hints' as const;

/**
 * Provider logout hints in the SQL database, beside the identities.
 *
 * @example
 * const hints = createSqlProviderLogoutHintStore(database.db, { timeoutMs: 1000 });
 * await hints.save({ sessionId, userId, provider: 'google', sealedIdToken, expiresAt });
 */
export function createSqlProviderLogoutHintStore(
  db: Kysely<JwtgateDatabase>,
  options: { readonly timeoutMs?: number } = {},
): ProviderLogoutHintStore {
  const call: StoreCallOptions = options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs };
  return {
    save: (hint) =>
      withStoreErrors(async () => {
        await db
          .insertInto(HINTS)
          .values({
            session_id: hint.sessionId,
            user_id: hint.userId,
            provider: hint.provider,
            sealed_id_token: hint.sealedIdToken,
            expires_at: hint.expiresAt,
          })
          .execute();
      }, call),

    take: (sessionId, now) =>
      withStoreErrors(async () => {
        const row = await db.selectFrom(HINTS).selectAll().where('session_id', '=', sessionId).executeTakeFirst();
        await db
          .deleteFrom(HINTS)
          .where((eb) => eb.or([eb('session_id', '=', sessionId), eb('expires_at', '<=', now)]))
          .execute();
        if (row === undefined || toMillis(row.expires_at) <= now) return null;
        return {
          sessionId: row.session_id,
          userId: row.user_id,
          provider: row.provider,
          sealedIdToken: row.sealed_id_token,
          expiresAt: toMillis(row.expires_at),
        };
      }, call),
  };
}
