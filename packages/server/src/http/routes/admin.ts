import {
  AuthError,
  changeUserAccess,
  normaliseUsername,
  ROLE_PATTERN,
  toPublicUser,
  type UserRecord,
} from '@jwtgate/core';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { adminErrors, adminOnly, createRequireAdmin } from '../admin-access.js';
import { claimsOf } from '../plugins/auth-guard.js';
import { clientInfo, type RouteDeps } from '../route-deps.js';
import {
  errorResponses,
  publicUserSchema,
  sessionIdParamsSchema,
  sessionListSchema,
  toSessionView,
} from '../schemas.js';

const adminUserSchema = {
  title: 'AdminUser',
  type: 'object',
  required: [...publicUserSchema.required, 'disabled', 'updatedAt'],
  properties: {
    ...publicUserSchema.properties,
    disabled: { type: 'boolean' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const userIdParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', minLength: 1, maxLength: 64, description: "The user's id." } },
} as const;

const revokedCount = { type: 'object', required: ['revoked'], properties: { revoked: { type: 'integer' } } } as const;

const noSuchUser = { ERR_USER_NOT_FOUND: 'no user has this id' } as const;

function adminView(user: UserRecord) {
  return { ...toPublicUser(user), disabled: user.disabled, updatedAt: new Date(user.updatedAt).toISOString() };
}

/**
 * The administration API: look a user up, list or end their sessions,
 * disable them or change their role. Every route needs an access token whose
 * user is, according to the database and not only the token, an enabled
 * administrator, so a demoted admin's unexpired token opens nothing.
 */
export const adminRoutes: FastifyPluginAsync<RouteDeps> = async (app, deps) => {
  const { users, sessions, events } = deps;

  /** Revocations an administrator makes are recorded as theirs. */
  const byAdmin = (request: FastifyRequest) => ({ kind: 'admin', id: claimsOf(request).sub }) as const;
  // Both run before the body is even parsed, so a non-admin learns nothing from validation errors.
  app.addHook('onRequest', app.requireAuth);
  app.addHook('onRequest', createRequireAdmin(deps));

  async function existingUser(id: string): Promise<UserRecord> {
    const user = await users.findById(id);
    if (user === null) throw new AuthError('ERR_USER_NOT_FOUND');
    return user;
  }

  app.get<{ Querystring: { username: string } }>(
    '/admin/users',
    {
      schema: {
        ...adminOnly,
        summary: 'Find a user by username (any spelling that normalises to it)',
        errors: { ...adminErrors, ERR_USER_NOT_FOUND: 'no user has this name' },
        querystring: {
          type: 'object',
          required: ['username'],
          additionalProperties: false,
          properties: { username: { type: 'string', minLength: 1, maxLength: 256 } },
        },
        response: {
          200: { type: 'object', required: ['user'], properties: { user: adminUserSchema } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      let key: string;
      try {
        key = normaliseUsername(request.query.username).key;
      } catch {
        throw new AuthError('ERR_USER_NOT_FOUND');
      }
      const user = await users.findByUsernameKey(key);
      if (user === null) throw new AuthError('ERR_USER_NOT_FOUND');
      return { user: adminView(user) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/admin/users/:id',
    {
      schema: {
        ...adminOnly,
        summary: 'One user',
        errors: { ...adminErrors, ...noSuchUser },
        params: userIdParams,
        response: {
          200: { type: 'object', required: ['user'], properties: { user: adminUserSchema } },
          ...errorResponses,
        },
      },
    },
    async (request) => ({ user: adminView(await existingUser(request.params.id)) }),
  );

  app.patch<{ Params: { id: string }; Body: { disabled?: boolean; role?: string } }>(
    '/admin/users/:id',
    {
      schema: {
        ...adminOnly,
        summary: 'Disable or enable a user, or change their role; either ends all their sessions',
        errors: { ...adminErrors, ...noSuchUser },
        params: userIdParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            disabled: { type: 'boolean' },
            role: { type: 'string', pattern: ROLE_PATTERN.source },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['user', 'revokedSessions'],
            properties: { user: adminUserSchema, revokedSessions: { type: 'integer' } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const actor = byAdmin(request);
      const { user, revokedSessions } = await changeUserAccess(deps, request.params.id, request.body, { actor });
      events?.adminChangedUser({
        adminId: actor.id,
        userId: user.id,
        changes: request.body,
        revokedSessions,
        client: clientInfo(request),
      });
      return { user: adminView(user), revokedSessions };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/admin/users/:id/sessions',
    {
      schema: {
        ...adminOnly,
        summary: "A user's active sessions",
        errors: { ...adminErrors, ...noSuchUser },
        params: userIdParams,
        response: {
          200: sessionListSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const user = await existingUser(request.params.id);
      const callerSession = claimsOf(request).sid;
      return { sessions: (await sessions.list(user.id)).map((s) => toSessionView(s, callerSession)) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/admin/users/:id/sessions',
    {
      schema: {
        ...adminOnly,
        summary: 'Force a user out: end all their sessions',
        errors: { ...adminErrors, ...noSuchUser },
        params: userIdParams,
        response: { 200: revokedCount, ...errorResponses },
      },
    },
    async (request) => {
      const user = await existingUser(request.params.id);
      const actor = byAdmin(request);
      const revoked = await sessions.revokeAll(user.id, { reason: 'admin', actor });
      events?.adminSignedUserOut({
        adminId: actor.id,
        userId: user.id,
        revokedSessions: revoked,
        client: clientInfo(request),
      });
      return { revoked };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/admin/sessions/:id',
    {
      schema: {
        ...adminOnly,
        summary: "End any user's session",
        errors: { ...adminErrors, ERR_SESSION_NOT_FOUND: 'no active session has this id' },
        params: sessionIdParamsSchema,
        response: { 204: { type: 'null', description: 'The session has ended.' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      // The session.revoked record names the administrator.
      if (!(await sessions.revoke(request.params.id, { reason: 'admin', actor: byAdmin(request) })))
        throw new AuthError('ERR_SESSION_NOT_FOUND');
      return reply.code(204).send();
    },
  );
};
