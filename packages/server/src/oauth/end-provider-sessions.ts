import type { ProviderSessionQuery, ProviderSessionStore, SessionManager } from '@jwtgate/core';

/** The most sessions one logout by the provider ends: far more than one user has at once. */
export const MAX_SESSIONS_PER_PROVIDER_LOGOUT = 1000;

/**
 * Ends the live jwtgate sessions a logout by the provider names, through the
 * session manager, so their access tokens are refused at once on every
 * instance (the revocation feed) and their refresh tokens die with them.
 * Answers how many were live and are now revoked. Both channels end
 * sessions here, so they cannot drift apart in what "ended" means.
 *
 * @example
 * const ended = await endProviderSessions({ providerSessions, sessions }, { provider: 'idp', providerSid }, now);
 */
export async function endProviderSessions(
  stores: {
    readonly providerSessions: ProviderSessionStore;
    readonly sessions: Pick<SessionManager, 'revoke'>;
  },
  query: ProviderSessionQuery,
  now: number,
): Promise<number> {
  const ids = await stores.providerSessions.sessionIdsOf(query, now, MAX_SESSIONS_PER_PROVIDER_LOGOUT);
  let ended = 0;
  for (const id of ids) {
    if (await stores.sessions.revoke(id, { reason: 'provider-logout' })) ended += 1;
  }
  return ended;
}
