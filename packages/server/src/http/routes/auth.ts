import {
  AuthError,
  authenticateUser,
  type IssuedTokens,
  isAuthError,
  registerUser,
  toPublicUser,
  type UserRecord,
} from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import { refuseOtherMethods } from '../method-not-allowed.js';
import { claimsOf } from '../plugins/auth-guard.js';
import { assertSameOriginIntent } from '../plugins/csrf.js';
import { type CookieRouteDeps, clientInfo } from '../route-deps.js';
import { errorResponses, publicUserSchema, tokenResponseSchema } from '../schemas.js';
import { deadCookieCodes } from '../silent-refresh.js';

const credentialsBody = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    username: { type: 'string' },
    password: { type: 'string' },
  },
} as const;

const loginBody = {
  ...credentialsBody,
  properties: {
    ...credentialsBody.properties,
    device: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      pattern: '^[^\\x00-\\x1f\\x7f]*$',
      description: 'A label for this device, shown in the session list.',
    },
    cookie: {
      type: 'boolean',
      default: false,
      description:
        'Cookie mode: the refresh token goes into an HttpOnly cookie instead of this answer. Needs an allowed Origin and X-Jwtgate-Csrf: 1.',
    },
  },
} as const;

const refreshBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    refreshToken: {
      type: 'string',
      maxLength: 4096,
      description: 'Omitted in cookie mode, where the refresh cookie is used.',
    },
  },
} as const;

const logoutBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    scope: {
      type: 'string',
      enum: ['current', 'others', 'all'],
      default: 'current',
      description: 'This session, every other session of the user, or all of them.',
    },
  },
} as const;

/** The token answer; in cookie mode the refresh token is in the cookie only, never also here. */
function tokenBody(tokens: IssuedTokens, inCookie = false) {
  return {
    accessToken: tokens.accessToken,
    ...(inCookie ? {} : { refreshToken: tokens.refreshToken }),
    tokenType: tokens.tokenType,
    expiresIn: tokens.expiresIn,
    refreshAfter: tokens.refreshAfter,
  };
}

/** A missing body means the defaults (`{}`), for routes whose fields are all optional. */
async function emptyBodyAsObject(request: { body: unknown }): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

/** Registration, login, refresh and logout. */
export const authRoutes: FastifyPluginAsync<CookieRouteDeps> = async (app, deps) => {
  const { sessions, refreshCookie, origins } = deps;

  app.post<{ Body: { username: string; password: string } }>(
    '/auth/register',
    {
      config: { csrf: true },
      schema: {
        summary: 'Create an account',
        body: credentialsBody,
        response: { 201: publicUserSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      let user: UserRecord;
      try {
        user = await registerUser(deps, request.body);
      } catch (error) {
        if (isAuthError(error) && error.status < 500) deps.events?.registrationRefused();
        throw error;
      }
      deps.events?.registered({ user, client: clientInfo(request) });
      return reply.code(201).send(toPublicUser(user));
    },
  );

  app.post<{ Body: { username: string; password: string; device?: string; cookie: boolean } }>(
    '/auth/login',
    {
      config: { csrf: true },
      schema: {
        summary: 'Log in with a password',
        body: loginBody,
        response: { 200: tokenResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { username, password, device, cookie } = request.body;
      if (cookie) {
        if (refreshCookie === null) throw new AuthError('ERR_COOKIE_MODE_DISABLED');
        // Checked before the password, so a forged login costs no hashing and changes nothing.
        assertSameOriginIntent(request, origins, { credentialed: true });
      }
      const client = clientInfo(request);
      let user: UserRecord;
      try {
        user = await authenticateUser(deps, { username, password, ip: client.ip });
      } catch (error) {
        deps.events?.loginRefused({ error, attempted: username, client });
        throw error;
      }
      const tokens = await sessions.issue({ user, device: device ?? null, ...client });
      deps.events?.loginSucceeded({ user, sessionId: tokens.session.id, device: device ?? null, client });
      if (cookie && refreshCookie !== null)
        refreshCookie.set(reply, tokens.refreshToken, tokens.session.refreshExpiresAt);
      return tokenBody(tokens, cookie);
    },
  );

  app.post<{ Body: { refreshToken?: string } }>(
    '/auth/refresh',
    {
      config: { csrf: true },
      preValidation: emptyBodyAsObject,
      schema: {
        summary: 'Rotate a refresh token (from the body, or in cookie mode from the cookie)',
        body: refreshBody,
        response: { 200: tokenResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const fromBody = request.body.refreshToken;
      if (fromBody !== undefined) {
        return tokenBody(await sessions.refresh({ refreshToken: fromBody, ...clientInfo(request) }));
      }
      const fromCookie = refreshCookie?.read(request) ?? null;
      if (refreshCookie === null || fromCookie === null) throw new AuthError('ERR_REFRESH_TOKEN_MISSING');
      try {
        const tokens = await sessions.refresh({ refreshToken: fromCookie, ...clientInfo(request) });
        refreshCookie.set(reply, tokens.refreshToken, tokens.session.refreshExpiresAt);
        return tokenBody(tokens, true);
      } catch (error) {
        if (isAuthError(error) && deadCookieCodes.has(error.code)) refreshCookie.clear(reply);
        throw error;
      }
    },
  );

  app.post<{ Body: { scope: 'current' | 'others' | 'all' } }>(
    '/auth/logout',
    {
      config: { auth: true, csrf: true },
      // A logout with no body at all means this session.
      preValidation: emptyBodyAsObject,
      schema: {
        summary: 'Log out this device, the others, or all',
        body: logoutBody,
        response: {
          200: { type: 'object', required: ['revoked'], properties: { revoked: { type: 'integer' } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const claims = claimsOf(request);
      const scope = request.body.scope;
      // The browser's cookie goes with its session: on "this device" only if it is that
      // session's cookie, on "everywhere" always, on "everywhere else" never. It is
      // deleted only once the revocation is stored, so a failure leaves both as they were.
      const clearsCookie =
        refreshCookie !== null &&
        (scope === 'all'
          ? refreshCookie.has(request)
          : scope === 'current' && refreshCookie.sessionIdOf(request) === claims.sid);
      let revoked: number;
      if (scope === 'current') {
        revoked = (await sessions.revoke(claims.sid, { reason: 'logout', userId: claims.sub })) ? 1 : 0;
      } else {
        revoked = await sessions.revokeAll(claims.sub, {
          reason: scope === 'all' ? 'logout-all' : 'logout-others',
          ...(scope === 'others' ? { exceptSessionId: claims.sid } : {}),
        });
      }
      if (clearsCookie) refreshCookie?.clear(reply);
      return { revoked };
    },
  );

  for (const url of ['/auth/register', '/auth/login', '/auth/refresh', '/auth/logout']) {
    refuseOtherMethods(app, url, ['POST']);
  }
};
