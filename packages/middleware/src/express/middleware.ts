import type { RequestHandler } from 'express';
import type { AuthClaims } from '../verifier/claims.js';
import { createVerifier, type Verifier, type VerifierOptions } from '../verifier/create-verifier.js';
import { type StepUpOptions, stepUpRequirement } from '../verifier/step-up.js';

declare global {
  namespace Express {
    interface Request {
      /** The verified claims, on routes behind the middleware. */
      auth?: AuthClaims;
    }
  }
}

/** The middleware takes the verifier's options, or a verifier made with `createVerifier`. */
export type ExpressAuthOptions = (VerifierOptions | { readonly verifier: Verifier }) & StepUpOptions;

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join('; ') : value;
}

/**
 * Express middleware that verifies the token and puts its claims on
 * `req.auth`. Use it per route (`app.get('/x', requireAuth, handler)`) or for a
 * group (`router.use(requireAuth)`). A failure answers 401 (or 503 while the
 * issuer's keys are unknown) with a `WWW-Authenticate` challenge and
 * `{ error: { code, message } }`, and `next` is not called; a cookie token on a
 * state-changing request from another origin answers 403 (see `csrf`).
 *
 * @example
 * const requireAuth = jwtgateAuth({ secret: process.env.ACCESS_SECRET!, algorithms: ['HS256'], issuer: 'jwtgate', audience: 'search-api' });
 * app.get('/search', requireAuth, (req, res) => res.json({ user: req.auth?.sub }));
 * // Step-up (RFC 9470): a second factor, within the last 5 minutes.
 * app.post('/payouts', jwtgateAuth({ verifier, requireMfa: true, maxAuthAge: 300 }), handler);
 */
export function jwtgateAuth(options: ExpressAuthOptions): RequestHandler {
  const verifier = 'verifier' in options ? options.verifier : createVerifier(options);
  const stepUp = stepUpRequirement(options);
  return (req, res, next) => {
    verifier
      .authenticate({
        authorization: req.headers.authorization,
        cookie: headerValue(req.headers.cookie),
        method: req.method,
        origin: req.headers.origin,
        secFetchSite: headerValue(req.headers['sec-fetch-site']),
      })
      .then((claims) => {
        if (stepUp !== null) verifier.checkAuthentication(claims, stepUp);
        req.auth = claims;
      })
      .then(
        () => next(),
        (error: unknown) => {
          const failure = verifier.failure(error);
          res.status(failure.status).set(failure.headers).json(failure.body);
        },
      );
  };
}
