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
        response: {
          200: sessionListSchema,
          ...errorResponses,
        },
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
        params: sessionIdParamsSchema,
        response: { 204: { type: 'null' }, ...errorResponses },
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
