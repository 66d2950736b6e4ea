import type { StepUpRequirement } from '@jwtgate/core';
import type { FastifyReply, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { AuthClaims } from '../verifier/claims.js';
import { createVerifier, type Verifier, type VerifierOptions } from '../verifier/create-verifier.js';
import { mergeStepUp, type StepUpOptions, stepUpRequirement } from '../verifier/step-up.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified claims on routes that require authentication, else `null`. */
    auth: AuthClaims | null;
  }
  interface FastifyInstance {
    /** The check as an `onRequest` hook, for a group: `app.addHook('onRequest', app.requireAuth)`. */
    requireAuth: onRequestHookHandler;
  }
  interface FastifyContextConfig {
    /**
     * `true` makes the route require a valid token (go-zero's `jwt: Auth`);
     * step-up options also ask that its sign-in used a second factor or is recent.
     */
    auth?: boolean | StepUpOptions;
  }
}

/** The plugin takes the verifier's options, or a verifier made with `createVerifier`. */
export type FastifyAuthOptions = (VerifierOptions | { readonly verifier: Verifier }) & StepUpOptions;

/**
 * Verifies tokens on the routes that opt in: one route with
 * `{ config: { auth: true } }`, a group with
 * `group.addHook('onRequest', group.requireAuth)` inside its plugin. The claims
 * land on `request.auth`; a failure answers 401 (or 503 while the issuer's
 * keys are unknown) with a `WWW-Authenticate` challenge and
 * `{ error: { code, message } }`, and the handler does not run; a cookie token
 * on a state-changing request from another origin answers 403 (see `csrf`).
 * Register it before the routes it protects.
 *
 * @example
 * await app.register(jwtgateAuth, { secret: process.env.ACCESS_SECRET!, algorithms: ['HS256'], issuer: 'jwtgate', audience: 'search-api' });
 * app.get('/search', { config: { auth: true } }, async (request) => ({ user: request.auth?.sub }));
 * // Step-up (RFC 9470): a second factor, within the last 5 minutes.
 * app.post('/payouts', { config: { auth: { requireMfa: true, maxAuthAge: 300 } } }, handler);
 */
export const jwtgateAuth = fp<FastifyAuthOptions>(
  async (app, options) => {
    const verifier = 'verifier' in options ? options.verifier : createVerifier(options);
    const pluginStepUp = stepUpRequirement(options);
    app.decorateRequest('auth', null);
    const refuse = (reply: FastifyReply, error: unknown): void => {
      // Answering from a callback hook means not calling done: the handler must not run.
      const failure = verifier.failure(error);
      reply.code(failure.status).headers(failure.headers).send(failure.body);
    };
    /** Claims that also meet the route's step-up requirement, if it has one; throws otherwise. */
    const stepped = (claims: AuthClaims, stepUp: StepUpRequirement | null): AuthClaims => {
      if (stepUp !== null) verifier.checkAuthentication(claims, stepUp);
      return claims;
    };
    // A callback hook rather than an async one, and no promise at all when
    // the verifier answered at once (a cache hit, an HMAC signature): it runs
    // on every guarded request.
    const guard =
      (stepUp: StepUpRequirement | null): onRequestHookHandler =>
      (request, reply, done) => {
        let outcome: AuthClaims | Promise<AuthClaims>;
        try {
          outcome = verifier.authenticateNow({
            authorization: request.headers.authorization,
            cookie: request.headers.cookie,
            method: request.method,
            origin: request.headers.origin,
            // A header sent twice reads as 'a,b', which is not same-origin.
            secFetchSite: request.headers['sec-fetch-site']?.toString(),
          }) as AuthClaims | Promise<AuthClaims>;
          if (!(outcome instanceof Promise)) outcome = stepped(outcome, stepUp);
        } catch (error) {
          try {
            refuse(reply, error);
          } catch (failed) {
            done(failed as Error);
          }
          return;
        }
        if (!(outcome instanceof Promise)) {
          request.auth = outcome;
          done();
          return;
        }
        outcome
          .then((claims) => stepped(claims, stepUp))
          .then(
            (claims) => {
              request.auth = claims;
              done();
            },
            (error: unknown) => refuse(reply, error),
          )
          // Whatever throws above (an onError hook of the caller's, a failed send) goes to Fastify's error handler
          // rather than leaving the request hanging.
          .catch((error: unknown) => done(error as Error));
      };
    const requireAuth = guard(pluginStepUp);
    app.decorate('requireAuth', requireAuth);
    app.addHook('onRoute', (route) => {
      const auth = route.config?.auth;
      if (auth === undefined || auth === false) return;
      // A route's own requirement is checked when the route is declared: a bad one stops the start.
      const hook = auth === true ? requireAuth : guard(mergeStepUp(pluginStepUp, stepUpRequirement(auth)));
      const existing =
        route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
      route.onRequest = [hook, ...existing];
    });
  },
  { name: '@jwtgate/middleware', fastify: '5.x' },
);
