import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { errorResponses } from '../schemas.js';

/** Options of {@link oauthMetadataRoutes}. */
export interface OAuthMetadataOptions {
  /** `Auth.Issuer`, the `iss` of every access token. */
  readonly issuer: string;
  /** `Gateway.PublicUrl` (or the issuer when it is a URL); `undefined`: the scheme and host of each request. */
  readonly publicUrl: string | undefined;
  /** The algorithms of the keys that verify access tokens, signing key first. */
  readonly algorithms: readonly string[];
  /** Whether `GET /auth/revocations` is served. */
  readonly revocationFeed: boolean;
}

const PATH = '/.well-known/oauth-authorization-server';
const MAX_AGE_SEC = 300;

/**
 * `GET /.well-known/oauth-authorization-server`: authorization server
 * metadata (RFC 8414), so that libraries in any language configure themselves
 * from the issuer: where the keys are, where to introspect and how to
 * authenticate there, which algorithms sign access tokens. jwtgate issues
 * tokens through its own login API, not through OAuth authorization or token
 * endpoints, so it names none (and `response_types_supported`, required by the
 * RFC, is empty).
 *
 * @example
 * await app.register(oauthMetadataRoutes, { issuer: 'https://auth.example.com', publicUrl: undefined, algorithms: ['ES256'], revocationFeed: true });
 */
export const oauthMetadataRoutes: FastifyPluginAsync<OAuthMetadataOptions> = async (app, options) => {
  const base = (request: FastifyRequest) => options.publicUrl ?? `${request.protocol}://${request.host}`;
  app.get(
    PATH,
    {
      schema: {
        summary: 'Authorization server metadata (RFC 8414)',
        description:
          "Where the public keys and the introspection endpoint are, how clients authenticate there, and the algorithms access tokens are signed with. URLs start with `Gateway.PublicUrl`, else `Auth.Issuer` when it is a URL, else the scheme and host of the request. `jwtgate_forward_auth_endpoint` and `jwtgate_revocation_feed_endpoint` are jwtgate's own additions (docs/gateways.md).",
        tags: ['gateway'],
        response: {
          200: {
            type: 'object',
            required: [
              'issuer',
              'jwks_uri',
              'introspection_endpoint',
              'introspection_endpoint_auth_methods_supported',
              'response_types_supported',
              'access_token_signing_alg_values_supported',
            ],
            additionalProperties: false,
            properties: {
              issuer: { type: 'string' },
              jwks_uri: { type: 'string' },
              introspection_endpoint: { type: 'string' },
              introspection_endpoint_auth_methods_supported: { type: 'array', items: { type: 'string' } },
              response_types_supported: { type: 'array', items: { type: 'string' } },
              access_token_signing_alg_values_supported: { type: 'array', items: { type: 'string' } },
              jwtgate_forward_auth_endpoint: { type: 'string' },
              jwtgate_revocation_feed_endpoint: { type: 'string' },
            },
            headers: {
              'Cache-Control': {
                type: 'string',
                description: `\`public, max-age=${MAX_AGE_SEC}\` when the URLs are configured; \`no-store\` when they come from the request.`,
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const url = base(request);
      reply.header('cache-control', options.publicUrl === undefined ? 'no-store' : `public, max-age=${MAX_AGE_SEC}`);
      return {
        issuer: options.issuer,
        jwks_uri: `${url}/.well-known/jwks.json`,
        introspection_endpoint: `${url}/oauth/introspect`,
        introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        response_types_supported: [],
        access_token_signing_alg_values_supported: options.algorithms,
        jwtgate_forward_auth_endpoint: `${url}/auth/verify`,
        ...(options.revocationFeed ? { jwtgate_revocation_feed_endpoint: `${url}/auth/revocations` } : {}),
      };
    },
  );
};
