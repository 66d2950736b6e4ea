import type { MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AuthClaims } from '../verifier/claims.js';
import { createVerifier, type Verifier, type VerifierOptions } from '../verifier/create-verifier.js';
import { type StepUpOptions, stepUpRequirement } from '../verifier/step-up.js';

/** The Hono environment the middleware provides: `c.get('auth')`. */
export interface AuthEnv {
  Variables: { auth: AuthClaims };
}

/** The middleware takes the verifier's options, or a verifier made with `createVerifier`. */
export type HonoAuthOptions = (VerifierOptions | { readonly verifier: Verifier }) & StepUpOptions;

/**
 * Hono middleware that verifies the token and sets its claims as
 * `c.get('auth')`. Use it per route (`app.get('/x', requireAuth, handler)`) or
 * for a group (`app.use('/api/*', requireAuth)`). A failure answers 401 (or 503
 * while the issuer's keys are unknown) with a `WWW-Authenticate` challenge and
 * `{ error: { code, message } }`; a cookie token on a state-changing request
 * from another origin answers 403 (see `csrf`).
 *
 * @example
 * const requireAuth = jwtgateAuth({ secret: process.env.ACCESS_SECRET!, algorithms: ['HS256'], issuer: 'jwtgate', audience: 'search-api' });
 * app.get('/search', requireAuth, (c) => c.json({ user: c.get('auth').sub }));
 * // Step-up (RFC 9470): a second factor, within the last 5 minutes.
 * app.post('/payouts', jwtgateAuth({ verifier, requireMfa: true, maxAuthAge: 300 }), handler);
 */
export function jwtgateAuth(options: HonoAuthOptions): MiddlewareHandler<AuthEnv> {
  const verifier = 'verifier' in options ? options.verifier : createVerifier(options);
  const stepUp = stepUpRequirement(options);
  return async (c, next) => {
    let claims: AuthClaims;
    try {
      claims = await verifier.authenticate({
        authorization: c.req.header('authorization'),
        cookie: c.req.header('cookie'),
        method: c.req.method,
        origin: c.req.header('origin'),
        secFetchSite: c.req.header('sec-fetch-site'),
      });
      if (stepUp !== null) verifier.checkAuthentication(claims, stepUp);
    } catch (error) {
      const failure = verifier.failure(error);
      return c.json(failure.body, failure.status as ContentfulStatusCode, failure.headers);
    }
    c.set('auth', claims);
    await next();
  };
}
