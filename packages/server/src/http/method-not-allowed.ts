import { AuthError } from '@jwtgate/core';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { errorResponses } from './schemas.js';

const METHODS: readonly HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Answers every other method on `url` with 405 `ERR_METHOD_NOT_ALLOWED` and
 * an `Allow` header, instead of 404. For the routes that change state: a
 * link, an image or a prefetch (GET/HEAD) must never reach them, and a
 * client that uses the wrong method learns so plainly.
 *
 * @example
 * refuseOtherMethods(app, '/auth/refresh', ['POST']);
 * refuseOtherMethods(app, '/oauth/introspect', ['POST'], oauthErrorResponses); // errors in the OAuth shape
 */
export function refuseOtherMethods(
  app: FastifyInstance,
  url: string,
  allowed: readonly HTTPMethods[],
  responses: Record<string, unknown> = errorResponses,
): void {
  const allow = allowed.join(', ');
  app.route({
    method: METHODS.filter((method) => !allowed.includes(method)),
    url,
    schema: {
      summary: `Only ${allow}`,
      response: responses,
      errors: { ERR_METHOD_NOT_ALLOWED: `this path accepts ${allow} only` },
    },
    handler: async () => {
      throw new AuthError('ERR_METHOD_NOT_ALLOWED', { headers: { allow } });
    },
  });
}
