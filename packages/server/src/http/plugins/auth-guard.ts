import { hrtime } from 'node:process';
import { type AccessTokenClaims, AuthError, isAuthError, type SessionManager } from '@jwtgate/core';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { extractAccessToken } from '../extract-token.js';
import type { ExpiredTokenHandler } from '../silent-refresh.js';

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
    /**
     * With `auth`: a request without a usable access token (missing, expired,
     * revoked, invalid) still reaches the handler, which may accept other
     * proof or must throw {@link deferredAuthError}.
     */
    authMayBeDeferred?: boolean;
  }
}

/**
 * The route guard. A route opts in with `config: { auth: true }`; a group of
 * routes with `app.addHook('onRequest', app.requireAuth)` inside its plugin.
 * Verification is synchronous and needs no store round trip: the session is
 * checked against the in-process revocation list. With `strict`, the session
 * is then also looked up in the store (`Revocation.Strict`). With `onExpired`
 * (cookie mode), an expired token gets one chance to be renewed during the request.
 * With `onVerified` (metrics on), each verification is timed with the
 * monotonic clock and reported, valid or refused; without it nothing is timed.
 */
export const authGuardPlugin = fp<{
  sessions: SessionManager;
  strict?: boolean;
  onExpired?: ExpiredTokenHandler | undefined;
  onVerified?: ((seconds: number, valid: boolean) => void) | undefined;
}>(
  async (app, { sessions, strict = false, onExpired, onVerified }) => {
    app.decorateRequest('auth', null);
    const requireAuth: onRequestHookHandler = (request, reply, done) => {
      const token = extractAccessToken(request.headers.authorization);
      if (token === null) {
        done(new AuthError('ERR_TOKEN_MISSING'));
        return;
      }
      let claims: AccessTokenClaims;
      const started = onVerified === undefined ? 0n : hrtime.bigint();
      try {
        claims = sessions.authenticate(token);
        onVerified?.(Number(hrtime.bigint() - started) / 1e9, true);
      } catch (error) {
        onVerified?.(Number(hrtime.bigint() - started) / 1e9, false);
        // Cookie mode: an expired token may be renewed on the fly (silent-refresh.ts);
        // the renewal went through the store, so strict mode has nothing to add.
        if (onExpired !== undefined && isAuthError(error, 'ERR_TOKEN_EXPIRED')) {
          onExpired(request, reply, token).then((renewed) => {
            request.auth = renewed;
            done();
          }, done);
          return;
        }
        done(error as Error);
        return;
      }
      if (!strict) {
        request.auth = claims;
        done();
        return;
      }
      sessions.checkSession(claims).then(
        () => {
          request.auth = claims;
          done();
        },
        (error: unknown) => done(error as Error),
      );
    };
    app.decorate('requireAuth', requireAuth);
    const requireAuthOrDefer: onRequestHookHandler = function (request, reply, done) {
      requireAuth.call(this, request, reply, (error?: Error) => {
        if (error !== undefined && isAuthError(error) && DEFERRABLE.has(error.code)) {
          deferred.set(request, error);
          done();
          return;
        }
        done(error);
      });
    };
    app.addHook('onRoute', (route) => {
      if (route.config?.auth !== true) return;
      const existing =
        route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
      route.onRequest = [route.config.authMayBeDeferred === true ? requireAuthOrDefer : requireAuth, ...existing];
    });
  },
  { name: 'jwtgate-auth-guard' },
);

/** The answers that mean "no usable access token", which a route with `authMayBeDeferred` hands to its handler. */
const DEFERRABLE = new Set<string>([
  'ERR_TOKEN_MISSING',
  'ERR_TOKEN_EXPIRED',
  'ERR_TOKEN_REVOKED',
  'ERR_TOKEN_INVALID',
]);
const deferred = new WeakMap<FastifyRequest, Error>();

/**
 * Why the guard let a request of a route with `authMayBeDeferred` through
 * without claims: the error to throw when the handler finds no other proof.
 *
 * @example
 * if (request.auth === null) throw deferredAuthError(request);
 */
export function deferredAuthError(request: FastifyRequest): Error {
  return deferred.get(request) ?? new AuthError('ERR_TOKEN_MISSING');
}

/** The claims of an authenticated request; for handlers behind the guard. */
export function claimsOf(request: FastifyRequest): AccessTokenClaims {
  if (request.auth === null) throw new AuthError('ERR_TOKEN_MISSING');
  return request.auth;
}
