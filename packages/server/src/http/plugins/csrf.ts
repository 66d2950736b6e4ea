import { AuthError } from '@jwtgate/core';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { OriginPolicy } from '../origin-policy.js';
import type { RefreshCookie } from '../refresh-cookie.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `true` makes the route check where the request comes from before anything else (see `csrfPlugin`). */
    csrf?: boolean;
  }
}

/** The header a page must add to cookie-authenticated requests; a form or a `text/plain` post cannot. */
export const CSRF_HEADER = 'x-jwtgate-csrf';

/**
 * The checks against cross-site request forgery:
 *
 * - an `Origin` header, when present, must be allowed: the server's own
 *   origin or one in `Cors.AllowedOrigins`, never `null`;
 * - a `credentialed` request (one the browser's refresh cookie can
 *   authenticate) must carry an allowed `Origin`, which browsers always send
 *   on POST and DELETE, and `X-Jwtgate-Csrf: 1`, which no form, link or
 *   `text/plain` post can add, and which a page on another origin can only
 *   send after a preflight that `corsPlugin` refuses.
 *
 * @example
 * assertSameOriginIntent(request, origins, { credentialed: true });
 */
export function assertSameOriginIntent(
  request: FastifyRequest,
  origins: OriginPolicy,
  options: { readonly credentialed: boolean },
): void {
  const origin = request.headers.origin;
  if (origin !== undefined && !origins.allows(origin, request)) {
    throw new AuthError('ERR_ORIGIN_NOT_ALLOWED', { reason: 'origin' });
  }
  if (!options.credentialed) return;
  if (origin === undefined) throw new AuthError('ERR_ORIGIN_NOT_ALLOWED', { reason: 'origin-missing' });
  if (request.headers[CSRF_HEADER] !== '1') throw new AuthError('ERR_CSRF_HEADER_MISSING');
}

/**
 * Routes with `config: { csrf: true }` run {@link assertSameOriginIntent}
 * first of all, before the access token guard (so a forged request cannot
 * even trigger a silent refresh) and before the body is parsed (so a
 * cross-site `text/plain` post is a 403, not a 415). A request counts as
 * credentialed when it carries the refresh cookie.
 *
 * Register after the auth guard: each `onRoute` hook puts its own in front.
 */
export const csrfPlugin = fp<{ origins: OriginPolicy; refreshCookie: RefreshCookie | null }>(
  async (app, { origins, refreshCookie }) => {
    const check: onRequestHookHandler = (request, _reply, done) => {
      try {
        assertSameOriginIntent(request, origins, { credentialed: refreshCookie?.has(request) ?? false });
      } catch (error) {
        done(error as Error);
        return;
      }
      done();
    };
    app.addHook('onRoute', (route) => {
      if (route.config?.csrf !== true) return;
      const existing =
        route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
      route.onRequest = [check, ...existing];
    });
  },
  { name: 'jwtgate-csrf', dependencies: ['jwtgate-auth-guard'] },
);
