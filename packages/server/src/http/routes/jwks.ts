import { createHash } from 'node:crypto';
import { type Clock, type JwtKey, type PublicJwkSet, toPublicJwkSet } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import { errorResponses } from '../schemas.js';

/** Options of {@link jwksRoutes}. */
export interface JwksRouteOptions {
  /**
   * The verification keys of the key ring in use, read at each request (a
   * reload swaps the ring); only asymmetric ones that still verify are published.
   */
  readonly keys: () => readonly JwtKey[];
  /** `Cache-Control: max-age`, in seconds. */
  readonly maxAgeSec: number;
  readonly clock: Clock;
}

/**
 * The one shape a published key can have. `additionalProperties: false` makes
 * the serializer drop any other member, so even a bug upstream that let a
 * private member (`d`, `p`, `q`, `dp`, `dq`, `qi`, `k`) through could not send it.
 */
const publicJwkSchema = {
  type: 'object',
  required: ['kty', 'kid', 'alg', 'use'],
  additionalProperties: false,
  properties: {
    kty: { type: 'string', enum: ['RSA', 'EC', 'OKP'] },
    kid: { type: 'string' },
    alg: { type: 'string', enum: ['RS256', 'PS256', 'ES256', 'EdDSA'] },
    use: { type: 'string', enum: ['sig'] },
    n: { type: 'string' },
    e: { type: 'string' },
    crv: { type: 'string' },
    x: { type: 'string' },
    y: { type: 'string' },
  },
} as const;

/** Whether an `If-None-Match` header names `etag` (RFC 9110 §13.1.2, weak comparison). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

/**
 * `GET /.well-known/jwks.json`: the public keys that verify access tokens, for
 * services that verify them on their own (RFC 7517). HMAC secrets are never
 * in it. Cacheable for `Jwks.MaxAge`, with an ETag so a revalidation costs a 304.
 */
export const jwksRoutes: FastifyPluginAsync<JwksRouteOptions> = async (app, options) => {
  // Recomputed only when the published set changes: a retired key drops out on its own time,
  // a reloaded ring changes it at once, and the ETag with it.
  let cached: { set: PublicJwkSet; body: string; etag: string } | undefined;
  const current = () => {
    const set = toPublicJwkSet(options.keys(), options.clock.now());
    const body = JSON.stringify(set);
    if (cached?.body !== body) {
      cached = { set, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    }
    return cached;
  };

  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        summary: 'The public keys that verify access tokens (JWK Set)',
        description:
          'RFC 7517. Only asymmetric keys are published, never HMAC secrets: with secrets only, the set is empty. A key stays in the set while tokens it signed can still verify.',
        tags: ['keys'],
        response: {
          200: {
            type: 'object',
            required: ['keys'],
            additionalProperties: false,
            properties: { keys: { type: 'array', items: publicJwkSchema } },
            headers: {
              'Cache-Control': { type: 'string', description: '`public, max-age=<Jwks.MaxAge>`.' },
              ETag: { type: 'string', description: 'Changes whenever the published keys do.' },
            },
          },
          304: {
            type: 'null',
            description: 'Not modified since the ETag in If-None-Match.',
            headers: {
              'Cache-Control': { type: 'string', description: '`public, max-age=<Jwks.MaxAge>`.' },
              ETag: { type: 'string', description: 'The same ETag.' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { set, etag } = current();
      reply.header('cache-control', `public, max-age=${options.maxAgeSec}`).header('etag', etag);
      if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
      return set;
    },
  );
};
