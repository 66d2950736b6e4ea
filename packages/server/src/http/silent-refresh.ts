import { type AccessTokenClaims, AuthError, type ErrorCode, isAuthError, type SessionManager } from '@jwtgate/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OriginPolicy } from './origin-policy.js';
import type { RefreshCookie } from './refresh-cookie.js';
import { clientInfo } from './route-deps.js';

/** Renews an expired access token during a request, or throws the error to answer with. */
export type ExpiredTokenHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
  accessToken: string,
) => Promise<AccessTokenClaims>;

/** Refresh failures after which the cookie can never work again, so it is deleted. */
export const deadCookieCodes: ReadonlySet<ErrorCode> = new Set([
  'ERR_REFRESH_TOKEN_INVALID',
  'ERR_REFRESH_TOKEN_EXPIRED',
  'ERR_REFRESH_TOKEN_REUSED',
  'ERR_SESSION_REVOKED',
]);

/**
 * Silent refresh for the route guard: an expired access token plus the
 * refresh cookie of the same session rotates the session, the request goes
 * on with the new claims, and the answer carries the new access token in
 * `X-Access-Token` (with `X-Refresh-After`) and the new cookie.
 *
 * It never widens what a request can do: the token must be genuine and
 * merely expired, the cookie must belong to its session (so one session's
 * cookie never renews another's token), and a request from a foreign
 * `Origin` is not renewed. Rotation, grace and reuse detection are those of
 * `POST /auth/refresh`: this calls the session manager. A revoked session
 * answers 401 and deletes the cookie.
 *
 * @example
 * await app.register(authGuardPlugin, { sessions, onExpired: createSilentRefresh({ sessions, refreshCookie, origins }) });
 */
export function createSilentRefresh(deps: {
  readonly sessions: SessionManager;
  readonly refreshCookie: RefreshCookie;
  readonly origins: OriginPolicy;
}): ExpiredTokenHandler {
  const { sessions, refreshCookie, origins } = deps;
  return async (request, reply, accessToken) => {
    const stillExpired = new AuthError('ERR_TOKEN_EXPIRED', { reason: 'not-renewed' });
    const origin = request.headers.origin;
    if (origin !== undefined && !origins.allows(origin, request)) throw stillExpired;
    let refreshToken: string | null;
    try {
      refreshToken = refreshCookie.read(request);
    } catch {
      throw stillExpired;
    }
    if (refreshToken === null) throw stillExpired;
    try {
      const tokens = await sessions.renew({ accessToken, refreshToken, ...clientInfo(request) });
      refreshCookie.set(reply, tokens.refreshToken, tokens.session.refreshExpiresAt);
      reply.header('x-access-token', tokens.accessToken);
      reply.header('x-refresh-after', String(tokens.refreshAfter));
      return tokens.claims;
    } catch (error) {
      if (isAuthError(error) && deadCookieCodes.has(error.code)) refreshCookie.clear(reply);
      throw error;
    }
  };
}
