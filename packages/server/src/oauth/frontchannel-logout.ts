import { AuthError, type ProviderSessionStore, type SessionManager } from '@jwtgate/core';
import { endProviderSessions } from './end-provider-sessions.js';
import type { ProviderClient } from './provider-client.js';

/** The query of a front-channel logout request, as the provider's page sent it. */
export interface FrontChannelLogoutRequest {
  readonly iss: string | undefined;
  readonly sid: string | undefined;
}

/** The provider ending jwtgate sessions through the browser (OpenID Connect Front-Channel Logout 1.0). */
export interface FrontChannelLogout {
  /**
   * Ends the jwtgate sessions begun in the provider session `sid` of
   * `provider`, and answers how many were live. Throws
   * `ERR_FRONTCHANNEL_LOGOUT_INVALID` when `iss` or `sid` is missing or `iss`
   * is not the provider's issuer, `ERR_STORE_UNAVAILABLE` when a store is down.
   */
  accept(provider: ProviderClient, request: FrontChannelLogoutRequest): Promise<{ readonly ended: number }>;
}

/**
 * Nothing in the request is signed: anyone who knows a provider session id
 * can send it. So it acts only as §2 of the spec allows when sessions are
 * required: `iss` exactly the provider's issuer and a `sid`, and it ends only
 * the jwtgate sessions begun in that provider session at that provider.
 * Never a `sub`: a user id at the provider is no secret, and ending every
 * session of a user by it would let any page sign anyone out. The provider
 * session id is the provider's unguessable handle, and the route's rate limit
 * bounds how fast one can be tried.
 *
 * @example
 * const logout = createFrontChannelLogout({ providerSessions, sessions, now: () => clock.now() });
 * const { ended } = await logout.accept(provider, { iss: query.iss, sid: query.sid });
 */
export function createFrontChannelLogout(options: {
  readonly providerSessions: ProviderSessionStore;
  readonly sessions: Pick<SessionManager, 'revoke'>;
  readonly now: () => number;
}): FrontChannelLogout {
  return {
    async accept(provider, { iss, sid }) {
      if (!provider.frontChannelLogout || provider.issuer === null) {
        throw new AuthError('ERR_FRONTCHANNEL_LOGOUT_INVALID', { reason: 'off' });
      }
      if (iss === undefined || iss === '') throw new AuthError('ERR_FRONTCHANNEL_LOGOUT_INVALID', { reason: 'no-iss' });
      if (sid === undefined || sid === '') throw new AuthError('ERR_FRONTCHANNEL_LOGOUT_INVALID', { reason: 'no-sid' });
      if (iss !== provider.issuer) throw new AuthError('ERR_FRONTCHANNEL_LOGOUT_INVALID', { reason: 'iss' });
      const ended = await endProviderSessions(options, { provider: provider.name, providerSid: sid }, options.now());
      return { ended };
    },
  };
}
