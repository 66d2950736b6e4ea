import { type AccessTokenClaims, AuthError, type SessionManager } from '@jwtgate/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { JwtgateConfig } from '../../config/config.js';
import { extractAccessToken } from '../extract-token.js';
import { errorResponses } from '../schemas.js';

const PATH = '/auth/verify';
const PATH_WITH_QUERY = `${PATH}?`;

/**
 * Whether a request is for forward authentication, which the app's common
 * hooks (request id and audit context, CORS, response headers for browsers)
 * skip: it records nothing and no browser calls it. A comparison of the raw
 * URL, because Fastify builds a route's options object on every read of
 * `request.routeOptions`, and this runs on every request of the server.
 *
 * @example
 * app.addHook('onRequest', (request, reply, done) => { if (isForwardAuth(request)) return done(); ... });
 */
export function isForwardAuth(request: FastifyRequest): boolean {
  const { url, method } = request;
  return (method === 'GET' || method === 'HEAD') && (url === PATH || url.startsWith(PATH_WITH_QUERY));
}

/**
 * A claim as a header value: percent-encoded UTF-8, so that any text (a
 * username in any script, a line break) travels as visible ASCII and cannot
 * split or add a header; numbers and booleans as written in JSON; objects
 * and arrays as encoded JSON. `null` when the token lacks the claim.
 */
function headerValue(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return encodeURIComponent(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return encodeURIComponent(JSON.stringify(value));
}

/** Options of {@link forwardAuthRoutes}. */
export interface ForwardAuthOptions {
  readonly sessions: Pick<SessionManager, 'authenticate' | 'checkSession'>;
  /** `Gateway.*Header`, lower case. */
  readonly headers: JwtgateConfig['gateway'];
  /** `Revocation.Strict`: also ask the session store, as the route guard does. */
  readonly strict: boolean;
}

/**
 * `GET /auth/verify`: forward authentication for gateways (NGINX
 * `auth_request`, Traefik `ForwardAuth`, Caddy `forward_auth`). The gateway
 * sends the client's `Authorization` header; a valid token of a live session
 * answers 200 with the identity in response headers, which the gateway copies
 * onto the upstream request; anything else answers 401 with a
 * `WWW-Authenticate` challenge.
 *
 * It is the server's hot path, so it does what the route guard does and
 * nothing more: the in-process verifier and revocation list, no store round
 * trip (unless `Revocation.Strict` asks for one), no body, and the app's
 * common hooks step aside for it ({@link isForwardAuth}). The request's other
 * headers (`X-Forwarded-Uri`, `X-Original-Method`...) are not read: the answer
 * depends on the token alone, which is what makes it cacheable by the gateway.
 *
 * @example
 * await app.register(forwardAuthRoutes, { sessions, headers: config.gateway, strict: false });
 */
export const forwardAuthRoutes: FastifyPluginAsync<ForwardAuthOptions> = async (app, options) => {
  const { sessions, strict } = options;
  const { userIdHeader, sessionIdHeader, roleHeader } = options.headers;
  const claimHeaders = Object.entries(options.headers.claimHeaders);

  const identify = (reply: FastifyReply, claims: AccessTokenClaims): void => {
    // A go-zero token accepted during a move (`Auth.GoZero`) may lack `sid` and `role`: no header then.
    if (typeof claims.sub === 'string') reply.header(userIdHeader, claims.sub);
    if (typeof claims.sid === 'string') reply.header(sessionIdHeader, claims.sid);
    if (typeof claims.role === 'string') reply.header(roleHeader, claims.role);
    for (const [claim, header] of claimHeaders) {
      const value = headerValue(claims[claim]);
      if (value !== null) reply.header(header, value);
    }
    reply.code(200).send();
  };

  const identityHeaders = {
    [options.headers.userIdHeader]: { type: 'string', description: 'The user id (`sub`); `Gateway.UserIdHeader`.' },
    [options.headers.sessionIdHeader]: {
      type: 'string',
      description: 'The session id (`sid`); `Gateway.SessionIdHeader`.',
    },
    [options.headers.roleHeader]: { type: 'string', description: 'The role (`role`); `Gateway.RoleHeader`.' },
    ...Object.fromEntries(
      claimHeaders.map(([claim, header]) => [
        header,
        { type: 'string', description: `The \`${claim}\` claim, percent-encoded; \`Gateway.ClaimHeaders\`.` },
      ]),
    ),
  };

  app.get(
    PATH,
    {
      schema: {
        summary: 'Forward authentication for gateways',
        description:
          "For NGINX `auth_request`, Traefik `ForwardAuth` and Caddy `forward_auth`: the gateway passes the client's `Authorization` header (`Bearer <token>`, or the bare token). A valid access token of a session that has not ended answers 200 with an empty body and the identity in response headers (names set by `Gateway.*Header`); anything else answers 401 with `WWW-Authenticate`. Checked against the in-process revocation list, without a store round trip. See docs/gateways.md.",
        tags: ['gateway'],
        security: [{ bearerAuth: [] }],
        headers: {
          type: 'object',
          properties: { authorization: { type: 'string', description: "The client's own `Authorization` header." } },
        },
        response: {
          200: {
            type: 'null',
            description: 'The token is valid; the identity is in the headers.',
            headers: identityHeaders,
          },
          ...errorResponses,
        },
        errors: {
          ERR_TOKEN_MISSING: 'no bearer credential in `Authorization`',
          ERR_TOKEN_INVALID: 'forged, malformed or not an access token of this server',
          ERR_TOKEN_EXPIRED: 'the token has expired',
          ERR_TOKEN_REVOKED: 'its session has ended (logout, revocation, password change)',
          ...(strict ? { ERR_STORE_UNAVAILABLE: 'with `Revocation.Strict`, the session store cannot be asked' } : {}),
        },
      },
    },
    (request, reply) => {
      // Even a refusal is about one credential: no cache may keep it unless told to.
      reply.header('cache-control', 'no-store');
      const token = extractAccessToken(request.headers.authorization);
      if (token === null) throw new AuthError('ERR_TOKEN_MISSING');
      const claims = sessions.authenticate(token);
      if (!strict) {
        identify(reply, claims);
        return reply;
      }
      return sessions.checkSession(claims).then(() => {
        identify(reply, claims);
        return reply;
      });
    },
  );
};
