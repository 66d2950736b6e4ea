import { authenticateUser, type IssuedTokens, registerUser, toPublicUser } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import { claimsOf } from '../plugins/auth-guard.js';
import { clientInfo, type RouteDeps } from '../route-deps.js';
import { errorResponses, publicUserSchema, tokenResponseSchema } from '../schemas.js';

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
  },
} as const;

const refreshBody = {
  type: 'object',
  required: ['refreshToken'],
  additionalProperties: false,
  properties: { refreshToken: { type: 'string', maxLength: 4096 } },
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

function tokenBody(tokens: IssuedTokens) {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    tokenType: tokens.tokenType,
    expiresIn: tokens.expiresIn,
    refreshAfter: tokens.refreshAfter,
  };
}

/** Registration, login, refresh and logout. */
export const authRoutes: FastifyPluginAsync<RouteDeps> = async (app, deps) => {
  const { sessions } = deps;

  app.post<{ Body: { username: string; password: string } }>(
    '/auth/register',
    {
      schema: {
        summary: 'Create an account',
        body: credentialsBody,
        response: { 201: publicUserSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const user = await registerUser(deps, request.body);
      request.log.info({ userId: user.id }, 'user registered');
      return reply.code(201).send(toPublicUser(user));
    },
  );

  app.post<{ Body: { username: string; password: string; device?: string } }>(
    '/auth/login',
    {
      schema: {
        summary: 'Log in with a password',
        body: loginBody,
        response: { 200: tokenResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const client = clientInfo(request);
      const user = await authenticateUser(deps, { ...request.body, ip: client.ip });
      const tokens = await sessions.issue({ user, device: request.body.device ?? null, ...client });
      return tokenBody(tokens);
    },
  );

  app.post<{ Body: { refreshToken: string } }>(
    '/auth/refresh',
    {
      schema: {
        summary: 'Rotate a refresh token',
        body: refreshBody,
        response: { 200: tokenResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const tokens = await sessions.refresh({ refreshToken: request.body.refreshToken, ...clientInfo(request) });
      return tokenBody(tokens);
    },
  );

  app.post<{ Body: { scope: 'current' | 'others' | 'all' } }>(
    '/auth/logout',
    {
      config: { auth: true },
      // A logout with no body at all means this session.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = { scope: 'current' };
      },
      schema: {
        summary: 'Log out this device, the others, or all',
        body: logoutBody,
        response: {
          200: { type: 'object', required: ['revoked'], properties: { revoked: { type: 'integer' } } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const claims = claimsOf(request);
      const scope = request.body.scope;
      if (scope === 'current') {
        const revoked = await sessions.revoke(claims.sid, { reason: 'logout', userId: claims.sub });
        return { revoked: revoked ? 1 : 0 };
      }
      const revoked = await sessions.revokeAll(claims.sub, {
        reason: scope === 'all' ? 'logout-all' : 'logout-others',
        ...(scope === 'others' ? { exceptSessionId: claims.sid } : {}),
      });
      return { revoked };
    },
  );
};
