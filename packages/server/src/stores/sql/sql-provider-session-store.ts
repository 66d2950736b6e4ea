import type { ProviderSessionStore } from '@jwtgate/core';
import type { Kysely } from 'kysely';
import { type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import type { JwtgateDatabase } from './schema.js';

const TABLE = 'jwtgate_provider_sessions' as const;

/**
 * The provider sessions of jwtgate sessions, in the SQL database beside the
 * identities (also when sessions are in Redis: they are written at a
 * provider sign-in and read at a back-channel logout, never on a request).
 *
 * @example
 * const providerSessions = createSqlProviderSessionStore(database.db, { timeoutMs: 1000 });
 * const ids = await providerSessions.sessionIdsOf({ provider: 'keycloak', providerSid }, now, 1000);
 */
export function createSqlProviderSessionStore(
  db: Kysely<JwtgateDatabase>,
  options: { readonly timeoutMs?: number } = {},
): ProviderSessionStore {
  const call: StoreCallOptions = options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs };
  return {
    save: (session) =>
      withStoreErrors(async () => {
        await db
          .insertInto(TABLE)
          .values({
            session_id: session.sessionId,
            user_id: session.userId,
            provider: session.provider,
            subject: session.subject,
            provider_sid: session.providerSid,
            expires_at: session.expiresAt,
          })
          .execute();
      }, call),

    sessionIdsOf: (query, now, limit) =>
      withStoreErrors(async () => {
        let select = db
          .selectFrom(TABLE)
          .select('session_id')
          .where('provider', '=', query.provider)
          .where('expires_at', '>', now);
        if ('providerSid' in query) {
          select = select.where('provider_sid', '=', query.providerSid);
          if (query.subject !== undefined) select = select.where('subject', '=', query.subject);
        } else {
          select = select.where('subject', '=', query.subject);
        }
        const rows = await select.limit(limit).execute();
        return rows.map((row) => row.session_id);
      }, call),

    deleteExpired: (before) =>
      withStoreErrors(async () => {
        const result = await db.deleteFrom(TABLE).where('expires_at', '<', before).executeTakeFirst();
        return Number(result.numDeletedRows);
      }, call),
  };
}
