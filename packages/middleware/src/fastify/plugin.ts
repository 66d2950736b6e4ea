import type { FastifyReply, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { AuthClaims } from '../verifier/claims.js';
import { createVerifier, type Verifier, type VerifierOptions } from '../verifier/create-verifier.js';

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
    /** `true` makes the route require a valid token (go-zero's `jwt: Auth`). */
    auth?: boolean;
  }
}

/** The plugin takes the verifier's options, or a verifier made with `createVerifier`. */
export type FastifyAuthOptions = VerifierOptions | { readonly verifier: Verifier };

/**
 * Verifies tokens on the routes that opt in: one route with
 * `{ config: { auth: true } }`, a group with
 * `group.addHook('onRequest', group.requireAuth)` inside its plugin. The claims
 * land on `request.auth`; a failure answers 401 (or 503 while the issuer's
 * keys are unknown) with a `WWW-Authenticate` challenge and
 * `{ error: { code, message } }`, and the handler does not run. Register it
 * before the routes it protects.
 *
 * @example
 * await app.register(jwtgateAuth, { secret: process.env.ACCESS_SECRET!, algorithms: ['HS256'], issuer: 'jwtgate', audience: 'search-api' });
 * app.get('/search', { config: { auth: true } }, async (request) => ({ user: request.auth?.sub }));
 */
export const jwtgateAuth = fp<FastifyAuthOptions>(
  async (app, options) => {
    const verifier = 'verifier' in options ? options.verifier : createVerifier(options);
    app.decorateRequest('auth', null);
    const refuse = (reply: FastifyReply, error: unknown): void => {
      // Answering from a callback hook means not calling done: the handler must not run.
      const failure = verifier.failure(error);
      reply.code(failure.status).headers(failure.headers).send(failure.body);
    };
    // A callback hook rather than an async one, and no promise at all when
    // the verifier answered at once (a cache hit, an HMAC signature): it runs
    // on every guarded request.
    const requireAuth: onRequestHookHandler = (request, reply, done) => {
      let outcome: AuthClaims | Promise<AuthClaims>;
      try {
        outcome = verifier.authenticateNow({
          authorization: request.headers.authorization,
          cookie: request.headers.cookie,
        }) as AuthClaims | Promise<AuthClaims>;
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
    app.decorate('requireAuth', requireAuth);
    app.addHook('onRoute', (route) => {
      if (route.config?.auth !== true) return;
      const existing =
        route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
      route.onRequest = [requireAuth, ...existing];
    });
  },
  { name: '@jwtgate/middleware', fastify: '5.x' },
);
