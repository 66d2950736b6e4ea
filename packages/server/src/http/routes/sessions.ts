import { AuthError } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import { refuseOtherMethods } from '../method-not-allowed.js';
import { claimsOf } from '../plugins/auth-guard.js';
import type { CookieRouteDeps } from '../route-deps.js';
import { errorResponses, sessionIdParamsSchema, sessionListSchema, toSessionView } from '../schemas.js';

/** The caller's own sessions: list them, end one. */
export const sessionRoutes: FastifyPluginAsync<CookieRouteDeps> = async (app, { sessions, refreshCookie }) => {
  app.get(
    '/auth/sessions',
    {
      config: { auth: true },
      schema: {
        summary: 'My active sessions',
        description: 'Newest first; `current` marks the session of the calling access token.',
        tags: ['sessions'],
        response: {
          200: sessionListSchema,
          ...errorResponses,
        },
        errors: { ERR_STORE_UNAVAILABLE: 'or the session store cannot be reached to list the sessions' },
      },
    },
    async (request) => {
      const claims = claimsOf(request);
      const list = await sessions.list(claims.sub);
      return { sessions: list.map((s) => toSessionView(s, claims.sid)) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/auth/sessions/:id',
    {
      config: { auth: true, csrf: true },
      schema: {
        summary: 'End one of my sessions',
        description: 'Signs that device out: its refresh token stops working and its access token is refused.',
        tags: ['sessions'],
        params: sessionIdParamsSchema,
        response: {
          204: {
            type: 'null',
            description: 'The session has ended.',
            headers: {
              'Set-Cookie': {
                type: 'string',
                description: "Cookie mode: deletes the browser's refresh cookie when its own session was ended.",
              },
            },
          },
          ...errorResponses,
        },
        errors: {
          ERR_SESSION_NOT_FOUND: "no such session among the caller's active ones (another user's looks the same)",
          ERR_STORE_UNAVAILABLE: 'or the session store cannot be reached to end the session: nothing was ended',
        },
      },
    },
    async (request, reply) => {
      const claims = claimsOf(request);
      const revoked = await sessions.revoke(request.params.id, { reason: 'kicked', userId: claims.sub });
      // Someone else's session and a missing one look the same.
      if (!revoked) throw new AuthError('ERR_SESSION_NOT_FOUND');
      // Ending this browser's own session from the list signs this browser out too.
      if (refreshCookie !== null && refreshCookie.sessionIdOf(request) === request.params.id)
        refreshCookie.clear(reply);
      return reply.code(204).send();
    },
  );

  refuseOtherMethods(app, '/auth/sessions/:id', ['DELETE']);
};
