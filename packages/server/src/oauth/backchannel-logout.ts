import { createHash } from 'node:crypto';
import {
  AuthError,
  type LogoutTokenReplayStore,
  type ProviderSessionStore,
  readLogoutToken,
  type SessionManager,
} from '@jwtgate/core';
import { endProviderSessions } from './end-provider-sessions.js';
import { LOGOUT_TOKEN_LEEWAY_SEC, LOGOUT_TOKEN_MAX_AGE_SEC, type ProviderClient } from './provider-client.js';

/** What a logout token did. */
export interface BackChannelLogoutOutcome {
  /** Sessions that were live and are now revoked. */
  readonly ended: number;
  /** What the token named them by: a provider session, or only a user at the provider. */
  readonly by: 'sid' | 'sub';
}

/** The provider ending jwtgate sessions (OpenID Connect Back-Channel Logout 1.0). */
export interface BackChannelLogout {
  /**
   * Validates a logout token from `provider` (§2.6) and ends the sessions
   * it names. Throws `ERR_LOGOUT_TOKEN_INVALID` for any token that fails a
   * check or was accepted before, a provider error when the provider's keys
   * cannot be had, `ERR_STORE_UNAVAILABLE` when a store is down.
   */
  accept(provider: ProviderClient, token: string): Promise<BackChannelLogoutOutcome>;
}

/**
 * The order matters. Everything about the token is checked before anything
 * is recorded; then its `jti` is claimed, which decides the one request that
 * acts on it (a second delivery, even a concurrent one, is a replay); then
 * the sessions end through the session manager, so their access tokens are
 * refused at once on every instance (revocation feed) and their refresh
 * tokens with them (`endProviderSessions`). When ending them fails, the claim is taken back and the
 * failure answered: the provider may send the token again, and nothing is
 * left to happen later unannounced.
 *
 * @example
 * const logout = createBackChannelLogout({ providerSessions, replay, sessions, now: () => clock.now() });
 * const { ended } = await logout.accept(provider, body.logout_token);
 */
export function createBackChannelLogout(options: {
  readonly providerSessions: ProviderSessionStore;
  readonly replay: LogoutTokenReplayStore;
  readonly sessions: Pick<SessionManager, 'revoke'>;
  readonly now: () => number;
}): BackChannelLogout {
  return {
    async accept(provider, token) {
      const { claims, header } = await provider.verifyLogoutToken(token);
      const request = readLogoutToken(claims, header);
      const now = options.now();
      // Past this the token is refused for its age anyway: its record is needed no longer.
      const until = ((claims.iat as number) + LOGOUT_TOKEN_MAX_AGE_SEC + LOGOUT_TOKEN_LEEWAY_SEC) * 1000;
      const key = createHash('sha256').update(`${provider.name}\u0000${request.jti}`).digest('base64url');
      if (!(await options.replay.claim(key, Math.max(until, now + 1000), now))) {
        throw new AuthError('ERR_LOGOUT_TOKEN_INVALID', { reason: 'replay' });
      }
      const by = request.providerSid === null ? 'sub' : 'sid';
      try {
        const ended = await endProviderSessions(
          options,
          request.providerSid === null
            ? { provider: provider.name, subject: request.subject as string }
            : { provider: provider.name, providerSid: request.providerSid, subject: request.subject ?? undefined },
          now,
        );
        return { ended, by };
      } catch (error) {
        await options.replay.release(key).catch(() => {});
        throw error;
      }
    },
  };
}
