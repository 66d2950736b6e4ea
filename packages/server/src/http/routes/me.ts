import { AuthError, toPublicUser } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import { claimsOf } from '../plugins/auth-guard.js';
import type { RouteDeps } from '../route-deps.js';
import { accountUserSchema, errorResponses, withMetadata } from '../schemas.js';

/** Who the caller is: the user from the database and the claims of their token. */
export const meRoutes: FastifyPluginAsync<RouteDeps> = async (app, { users }) => {
  app.get(
    '/auth/me',
    {
      config: { auth: true },
      schema: {
        summary: 'The signed-in user',
        description: 'The user as the database has it now, the session id, and the claims of the access token.',
        tags: ['auth'],
        response: {
          200: {
            type: 'object',
            required: ['user', 'sessionId', 'claims'],
            properties: {
              user: accountUserSchema,
              sessionId: { type: 'string' },
              claims: { type: 'object', additionalProperties: true },
            },
          },
          ...errorResponses,
        },
        errors: {
          ERR_TOKEN_REVOKED: 'also when its user has been disabled or deleted',
          ERR_STORE_UNAVAILABLE: 'or the database cannot be reached to read the user',
        },
      },
    },
    async (request) => {
      const claims = claimsOf(request);
      const user = await users.findById(claims.sub);
      if (user === null || user.disabled) throw new AuthError('ERR_TOKEN_REVOKED', { reason: 'user-gone' });
      return { user: withMetadata(toPublicUser(user), user), sessionId: claims.sid, claims };
    },
  );
};
