import type { LoginChallenge } from '@jwtgate/core';
import type { FastifyRequest } from 'fastify';
import { assertCookieLoginAllowed } from './first-factor-login.js';
import type { CookieRouteDeps } from './route-deps.js';
import { tokenResponseSchema } from './schemas.js';

/** The answer of a route that finishes a paused login: a login's, with the cookie when the login asked for it. */
export const pausedLoginTokenResponse = {
  ...tokenResponseSchema,
  headers: {
    'Set-Cookie': { type: 'string', description: 'When the login asked for cookie mode: the refresh cookie.' },
  },
} as const;

/** The refusals of {@link assertPausedLoginCookie}, for the API reference. */
export const pausedLoginCookieErrors = {
  ERR_COOKIE_MODE_DISABLED: 'the login asked for cookie mode, which is now off',
  ERR_ORIGIN_NOT_ALLOWED: 'the login asked for cookie mode: also when `Origin` is missing',
  ERR_CSRF_HEADER_MISSING: 'the login asked for cookie mode: `X-Jwtgate-Csrf: 1` is needed',
} as const;

/**
 * A paused login that asked for cookie mode ends with the refresh cookie set,
 * so the request finishing it must pass what a cookie login passes: cookie
 * mode still on, and a same-origin request with the CSRF header.
 *
 * @example
 * assertPausedLoginCookie(request, deps, challenge);
 */
export function assertPausedLoginCookie(
  request: FastifyRequest,
  deps: Pick<CookieRouteDeps, 'refreshCookie' | 'origins'>,
  challenge: Pick<LoginChallenge, 'cookie'>,
): void {
  assertCookieLoginAllowed(deps, request, challenge.cookie);
}
