import { AuthError } from '@jwtgate/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { finishLogin, type PassedLogin } from './finish-login.js';
import { type PausedLogin, pauseForSecondFactor } from './mfa-login.js';
import { assertSameOriginIntent } from './plugins/csrf.js';
import type { CookieRouteDeps } from './route-deps.js';
import { mfaRequiredSchema, tokenResponseSchema } from './schemas.js';

/** The 200 answer of a first-factor login route: the tokens, or the pause for a second factor. */
export const loginAnswerSchema = {
  anyOf: [tokenResponseSchema, mfaRequiredSchema],
  headers: {
    'Set-Cookie': {
      type: 'string',
      description: 'With `"cookie": true`: the refresh cookie (never with `mfaRequired`).',
    },
  },
} as const;

/**
 * Refuses a cookie-mode login that cannot be one: cookie mode off
 * (`ERR_COOKIE_MODE_DISABLED`), or a request without the same-origin proof
 * (`ERR_ORIGIN_NOT_ALLOWED`, `ERR_CSRF_HEADER_MISSING`). Called before any
 * credential is checked, so a forged login costs no hashing, spends no
 * mailed secret and changes nothing.
 *
 * @example
 * assertCookieLoginAllowed(deps, request, request.body.cookie);
 */
export function assertCookieLoginAllowed(
  deps: Pick<CookieRouteDeps, 'refreshCookie' | 'origins'>,
  request: FastifyRequest,
  cookie: boolean,
): void {
  if (!cookie) return;
  if (deps.refreshCookie === null) throw new AuthError('ERR_COOKIE_MODE_DISABLED');
  assertSameOriginIntent(request, deps.origins, { credentialed: true });
}

/**
 * Ends a login whose first factor passed (a password, a mailed secret): a
 * user with a second factor, or whose role needs one, gets the pause and
 * no token or cookie yet; anyone else is signed in by {@link finishLogin}.
 *
 * @example
 * return finishFirstFactor(deps, reply, { user, device, cookie, client, amr: ['otp'] });
 */
export async function finishFirstFactor(
  deps: CookieRouteDeps,
  reply: FastifyReply,
  input: PassedLogin,
): Promise<PausedLogin | Awaited<ReturnType<typeof finishLogin>>> {
  const paused = await pauseForSecondFactor(deps.mfa, input);
  if (paused !== null) return paused;
  return finishLogin(deps, reply, input);
}
