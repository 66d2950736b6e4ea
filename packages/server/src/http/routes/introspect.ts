import { type AccessTokenClaims, AuthError, type SessionManager } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import type { ClientAuthenticator } from '../client-auth.js';
import { acceptFormBodies, FORM_MEDIA_TYPE } from '../form-body.js';
import { refuseOtherMethods } from '../method-not-allowed.js';
import { oauthErrorResponses, useOAuthErrors } from '../oauth-errors.js';
import { CLIENT_SCHEME } from '../reference/api-reference.js';

/** Options of {@link introspectionRoutes}. */
export interface IntrospectionOptions {
  readonly sessions: Pick<SessionManager, 'authenticate' | 'checkSession'>;
  readonly clients: ClientAuthenticator;
  readonly realm: string;
  /** `Revocation.Strict`: also ask the session store, as the route guard does. */
  readonly strict: boolean;
}

interface IntrospectionBody {
  token: string;
  token_type_hint?: string;
  client_id?: string;
  client_secret?: string;
}

/**
 * `POST /oauth/introspect`: token introspection (RFC 7662) for resource
 * servers and gateways in any language. Only authenticated clients get an
 * answer about a token (§2.1, §4): anyone else gets 401 `invalid_client`
 * before the token is even looked at. The token is checked exactly as the
 * route guard checks it, against the in-process revocation list, so a revoked
 * session's token is inactive at once; every reason for a token not to be
 * valid (forged, expired, revoked, not an access token at all) answers the
 * same `{"active": false}` (§2.2), so the answer says nothing about why.
 *
 * @example
 * await app.register(introspectionRoutes, { sessions, clients, realm: 'jwtgate', strict: false });
 */
export const introspectionRoutes: FastifyPluginAsync<IntrospectionOptions> = async (app, options) => {
  const { sessions, clients, strict } = options;
  useOAuthErrors(app, options.realm, FORM_MEDIA_TYPE);
  acceptFormBodies(app);

  const active = async (token: string): Promise<AccessTokenClaims | null> => {
    let claims: AccessTokenClaims;
    try {
      claims = sessions.authenticate(token);
    } catch (error) {
      if (error instanceof AuthError && error.code.startsWith('ERR_TOKEN_')) return null;
      throw error;
    }
    if (strict) {
      try {
        await sessions.checkSession(claims);
      } catch (error) {
        if (error instanceof AuthError && error.code === 'ERR_TOKEN_REVOKED') return null;
        throw error;
      }
    }
    return claims;
  };

  app.post<{ Body: IntrospectionBody }>(
    '/oauth/introspect',
    {
      schema: {
        summary: 'Token introspection (RFC 7662)',
        description:
          'For resource servers and gateways that cannot verify tokens themselves, or want revocations without following the feed. The client authenticates with `client_secret_basic` (HTTP Basic) or `client_secret_post` (`client_id` and `client_secret` in the body); clients are `Gateway.Clients`. The body is a form (`application/x-www-form-urlencoded`) with the `token`. A valid access token of a session that has not ended answers `active: true` with its claims; any other token (forged, expired, revoked, a refresh token, anything) answers `{"active": false}` and nothing else. Errors have the OAuth shape: `error`, `error_description`, and jwtgate\'s `code`.',
        tags: ['gateway'],
        security: [{ [CLIENT_SCHEME]: [] }],
        consumes: FORM_MEDIA_TYPE,
        body: {
          type: 'object',
          required: ['token'],
          properties: {
            token: { type: 'string', maxLength: 16_384, description: 'The access token.' },
            token_type_hint: {
              type: 'string',
              maxLength: 64,
              description: 'Accepted and ignored: only access tokens can be active.',
            },
            client_id: { type: 'string', maxLength: 256, description: 'client_secret_post only.' },
            client_secret: { type: 'string', maxLength: 1024, description: 'client_secret_post only.' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['active'],
            additionalProperties: true,
            description:
              'RFC 7662 §2.2. Active: `active`, `token_type` (`Bearer`), `client_id` (the caller), and the claims of the token (`iss`, `aud`, `sub`, `sid`, `role`, `iat`, `exp`, `jti`, extra claims). Inactive: `{"active": false}` alone.',
            properties: {
              active: { type: 'boolean' },
              token_type: { type: 'string' },
              client_id: { type: 'string' },
              iss: { type: 'string' },
              sub: { type: 'string' },
              aud: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
              exp: { type: 'integer' },
              iat: { type: 'integer' },
              jti: { type: 'string' },
              sid: { type: 'string' },
              role: { type: 'string' },
            },
          },
          ...oauthErrorResponses,
        },
        errors: {
          ERR_INVALID_CLIENT: 'no client credentials, an unknown client, or a wrong secret (`WWW-Authenticate: Basic`)',
          ERR_VALIDATION: 'no `token`, a parameter sent twice, or client credentials sent both ways',
          ERR_UNSUPPORTED_MEDIA_TYPE: 'the body is not `application/x-www-form-urlencoded`',
          ...(strict ? { ERR_STORE_UNAVAILABLE: 'with `Revocation.Strict`, the session store cannot be asked' } : {}),
        },
      },
    },
    async (request) => {
      const { token, client_id: clientId, client_secret: clientSecret } = request.body;
      const client = clients.authenticate({ authorization: request.headers.authorization, clientId, clientSecret });
      const claims = await active(token);
      if (claims === null) return { active: false };
      return { ...claims, active: true, token_type: 'Bearer', client_id: client };
    },
  );
  refuseOtherMethods(app, '/oauth/introspect', ['POST'], oauthErrorResponses);
};
