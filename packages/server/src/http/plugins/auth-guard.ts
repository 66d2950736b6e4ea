import { type AccessTokenClaims, AuthError, type SessionManager } from '@jwtgate/core';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { extractAccessToken } from '../extract-token.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token claims on routes that require authentication, else `null`. */
    auth: AccessTokenClaims | null;
  }
  interface FastifyInstance {
    /** The guard as an `onRequest` hook, for groups: `app.addHook('onRequest', app.requireAuth)`. */
    requireAuth: onRequestHookHandler;
  }
  interface FastifyContextConfig {
    /** `true` makes the route require a valid access token (go-zero's `jwt: Auth`). */
    auth?: boolean;
  }
}

/**
 * The route guard. A route opts in with `config: { auth: true }`; a group of
 * routes with `app.addHook('onRequest', app.requireAuth)` inside its plugin.
 * Verification is synchronous and needs no store round trip: the session is
 * checked against the in-process revocation list. With `strict`, the session
 * is then also looked up in the store (`Revocation.Strict`).
 */
export const authGuardPlugin = fp<{ sessions: SessionManager; strict?: boolean }>(
  async (app, { sessions, strict = false }) => {
    app.decorateRequest('auth', null);
    const requireAuth: onRequestHookHandler = (request, _reply, done) => {
      const token = extractAccessToken(request.headers.authorization);
      if (token === null) {
        done(new AuthError('ERR_TOKEN_MISSING'));
        return;
      }
      try {
        request.auth = sessions.authenticate(token);
      } catch (error) {
        done(error as Error);
        return;
      }
      if (!strict) {
        done();
        return;
      }
      sessions.checkSession(request.auth).then(
        () => done(),
        (error: unknown) => {
          request.auth = null;
          done(error as Error);
        },
      );
    };
    app.decorate('requireAuth', requireAuth);
    app.addHook('onRoute', (route) => {
      if (route.config?.auth !== true) return;
      const existing =
        route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
      route.onRequest = [requireAuth, ...existing];
    });
  },
  { name: 'jwtgate-auth-guard' },
);

/** The claims of an authenticated request; for handlers behind the guard. */
export function claimsOf(request: FastifyRequest): AccessTokenClaims {
  if (request.auth === null) throw new AuthError('ERR_TOKEN_MISSING');
  return request.auth;
}
