import { AuthError } from '@jwtgate/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { OriginPolicy } from '../origin-policy.js';
import { errorResponses } from '../schemas.js';

/**
 * Response headers a page on another allowed origin may read: the token a
 * silent refresh renewed, and the request id to quote in a support request.
 */
export const exposedHeaders = ['X-Access-Token', 'X-Refresh-After', 'X-Request-Id'] as const;
const allowedMethods = 'GET, HEAD, POST, PUT, PATCH, DELETE';
// A page may send its own request id, to follow one action through the logs.
const allowedHeaders = 'Authorization, Content-Type, X-Jwtgate-Csrf, X-Request-Id';
const PREFLIGHT_MAX_AGE_SEC = 600;

/** Adds `token` to the response's `Vary` header, keeping what is there. */
function vary(reply: FastifyReply, token: string): void {
  const current = reply.getHeader('vary');
  const list = typeof current === 'string' && current.length > 0 ? current.split(/\s*,\s*/) : [];
  if (!list.some((entry) => entry.toLowerCase() === token.toLowerCase())) list.push(token);
  reply.header('vary', list.join(', '));
}

/**
 * CORS with credentials for the origins in `Cors.AllowedOrigins` and no
 * other: an unknown origin, or `null`, gets no `Access-Control-*` header at
 * all, so the browser withholds the answer; its preflight is refused with
 * 403 `ERR_ORIGIN_NOT_ALLOWED`. Every answer varies on `Origin`, so a cache
 * never hands one origin's answer to another. `skip` names requests no
 * browser makes (forward authentication from a gateway), left untouched.
 */
export const corsPlugin = fp<{ origins: OriginPolicy; skip?: (request: FastifyRequest) => boolean }>(
  async (app, { origins, skip }) => {
    app.addHook('onRequest', (request, reply, done) => {
      if (skip?.(request) === true) {
        done();
        return;
      }
      vary(reply, 'Origin');
      const origin = request.headers.origin;
      if (origin !== undefined && origins.isCorsOrigin(origin)) {
        reply.header('access-control-allow-origin', origin);
        reply.header('access-control-allow-credentials', 'true');
        reply.header('access-control-expose-headers', exposedHeaders.join(', '));
      }
      done();
    });

    app.options(
      '*',
      {
        schema: {
          summary: 'CORS preflight',
          errors: { ERR_ORIGIN_NOT_ALLOWED: '`Origin` is missing or not one of `Cors.AllowedOrigins`' },
          headers: {
            type: 'object',
            properties: {
              origin: { type: 'string' },
              'access-control-request-method': { type: 'string' },
              'access-control-request-headers': { type: 'string' },
            },
          },
          response: { 204: { type: 'null' }, ...errorResponses },
        },
      },
      async (request, reply) => {
        const origin = request.headers.origin;
        if (origin === undefined || !origins.isCorsOrigin(origin)) {
          throw new AuthError('ERR_ORIGIN_NOT_ALLOWED', { reason: 'preflight' });
        }
        vary(reply, 'Access-Control-Request-Method');
        vary(reply, 'Access-Control-Request-Headers');
        return reply
          .code(204)
          .header('access-control-allow-methods', allowedMethods)
          .header('access-control-allow-headers', allowedHeaders)
          .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_SEC))
          .send();
      },
    );
  },
  { name: 'jwtgate-cors' },
);
