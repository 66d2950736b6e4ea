import {
  AuthError,
  acceptMetadata,
  actingAdminHolder,
  changeCredentials,
  type IdentityStore,
  listUsers,
  ROLE_PATTERN,
  USER_LIST_MAX_LIMIT,
  type UserRecord,
} from '@jwtgate/core';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { changeUserRole } from '../../accounts/change-user-role.js';
import { deleteAccount } from '../../accounts/delete-account.js';
import { endSession } from '../../accounts/end-session.js';
import { setUserDisabled } from '../../accounts/set-user-disabled.js';
import { signUserOut } from '../../accounts/sign-user-out.js';
import { type AdminActor, sessionActorOf } from '../../audit/admin-actor.js';
import { adminErrors, adminOnly, createReportLateRefusal, createRequireAdmin } from '../admin-access.js';
import { type AdminUserQuery, adminUserFilter } from '../admin-user-filter.js';
import { adminUserView, listedUserView } from '../admin-user-view.js';
import { claimsOf } from '../plugins/auth-guard.js';
import { clientInfo, DEFAULT_ACCOUNT_POLICY, type RouteDeps } from '../route-deps.js';
import {
  errorResponses,
  metadataSchema,
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
    appMetadata: { ...metadataSchema, description: 'Kept by administrators; the user can read it, not change it.' },
    userMetadata: { ...metadataSchema, description: 'Kept by the user.' },
  },
} as const;

const userIdParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', minLength: 1, maxLength: 64, description: "The user's id." } },
} as const;

/** What disabling, enabling and a role change answer. */
const userChangedSchema = {
  type: 'object',
  required: ['user', 'revokedSessions'],
  properties: {
    user: adminUserSchema,
    revokedSessions: { type: 'integer', description: 'Sessions the change ended.' },
  },
} as const;

const listedUserSchema = {
  ...adminUserSchema,
  title: 'ListedUser',
  required: [...adminUserSchema.required, 'secondFactor'],
  properties: {
    ...adminUserSchema.properties,
    secondFactor: {
      type: 'boolean',
      description: 'Whether the account has a second factor: a confirmed authenticator app or a passkey.',
    },
  },
} as const;

const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;

const factorsSchema = {
  type: 'object',
  required: ['available', 'totp', 'totpSince', 'recoveryCodesLeft', 'passkeys'],
  properties: {
    available: { type: 'boolean', description: 'Whether this server has second factors on (`Mfa.EncryptionKey`).' },
    totp: { type: 'boolean', description: 'Whether an authenticator app is set up and confirmed.' },
    totpSince: nullableTime,
    recoveryCodesLeft: { type: 'integer' },
    passkeys: {
      type: 'array',
      description: 'The passkeys, by their names (no key material); empty when passkeys are off.',
      items: {
        type: 'object',
        required: ['name', 'createdAt', 'lastUsedAt', 'backedUp'],
        properties: {
          name: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
          lastUsedAt: nullableTime,
          backedUp: { type: 'boolean', description: 'Whether the authenticator says the passkey is synced.' },
        },
      },
    },
  },
} as const;

const identitiesSchema = {
  type: 'array',
  description: 'Accounts at identity providers linked to this user; empty when no provider is configured.',
  items: {
    type: 'object',
    required: ['provider', 'subject', 'email', 'emailVerified', 'displayName', 'linkedAt', 'lastSignInAt'],
    properties: {
      provider: { type: 'string' },
      subject: {
        type: 'string',
        description: "The provider's identifier of the user (`sub`), which never changes hands.",
      },
      email: { type: ['string', 'null'] },
      emailVerified: { type: 'boolean' },
      displayName: { type: ['string', 'null'] },
      linkedAt: { type: 'string', format: 'date-time' },
      lastSignInAt: { type: 'string', format: 'date-time' },
    },
  },
} as const;

/** What the administration routes need: the route deps, and the linked identities when providers are configured. */
export interface AdminRouteDeps extends RouteDeps {
  readonly identities?: IdentityStore | undefined;
}

const iso = (at: number) => new Date(at).toISOString();

const revokedCount = { type: 'object', required: ['revoked'], properties: { revoked: { type: 'integer' } } } as const;

const noSuchUser = { ERR_USER_NOT_FOUND: 'no user has this id' } as const;

/**
 * The administration API: list and search users, look one up with their
 * sessions, disable or enable them, change their role, force them out, end
 * one session. Every action is reported to the security events (audit trail)
 * as done or failed. Disabling or demoting the last enabled administrator is
 * refused (`ERR_LAST_ADMIN`). Every route needs an access token whose
 * user is, according to the database and not only the token, an enabled
 * administrator, so a demoted admin's unexpired token opens nothing.
 */
export const adminRoutes: FastifyPluginAsync<AdminRouteDeps> = async (app, deps) => {
  const { users, sessions, events } = deps;
  const accounts = deps.accounts ?? DEFAULT_ACCOUNT_POLICY;

  /** Actions (and the revocations they make) are recorded as the calling administrator's. */
  const byAdmin = (request: FastifyRequest) => ({ kind: 'admin', id: claimsOf(request).sub }) satisfies AdminActor;
  // Both run before the body is even parsed, so a non-admin learns nothing from validation errors.
  app.addHook('onRequest', app.requireAuth);
  app.addHook('onRequest', createRequireAdmin(deps));
  app.addHook('onError', createReportLateRefusal(deps));

  async function existingUser(id: string): Promise<UserRecord> {
    const user = await users.findById(id);
    if (user === null) throw new AuthError('ERR_USER_NOT_FOUND');
    return user;
  }

  app.get<{ Querystring: AdminUserQuery & { limit: number; cursor?: string } }>(
    '/admin/users',
    {
      schema: {
        ...adminOnly,
        summary: 'List users in username order, page by page, optionally filtered',
        description:
          "Pages follow the username order: pass `nextCursor` as `cursor` (with the same search and filters) for the next page; it is `null` on the last one. The database selects on the search and every filter in the page's own query, so a page holds `limit` users whenever that many more match.",
        errors: { ...adminErrors, ERR_INVALID_CURSOR: '`cursor` is not a `nextCursor` this server answered with' },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            search: {
              type: 'string',
              maxLength: 256,
              description:
                'The start of a username, in any case or Unicode form (`ALI` finds `alice`); `%` and `_` are plain characters.',
            },
            searchIn: {
              type: 'string',
              enum: ['username', 'email'],
              default: 'username',
              description: '`email`: `search` is the start of the email address (any case) instead of the username.',
            },
            role: { type: 'string', pattern: ROLE_PATTERN.source, description: 'Only users with this role.' },
            disabled: { type: 'boolean', description: 'Only disabled (`true`) or enabled (`false`) users.' },
            verified: { type: 'boolean', description: 'Only users with (`true`) or without a verified email address.' },
            secondFactor: {
              type: 'boolean',
              description:
                'Only users with (`true`) or without a second factor (a confirmed authenticator app or a passkey).',
            },
            limit: {
              type: 'integer',
              minimum: 1,
              maximum: USER_LIST_MAX_LIMIT,
              default: 20,
              description: `Users per page, 1 to ${USER_LIST_MAX_LIMIT}; 20 when omitted.`,
            },
            cursor: { type: 'string', minLength: 1, maxLength: 1024, description: "The previous page's `nextCursor`." },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['users', 'nextCursor'],
            properties: {
              users: { type: 'array', items: listedUserSchema },
              nextCursor: { type: ['string', 'null'] },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { search, searchIn, limit, cursor } = request.query;
      const filter = adminUserFilter(request.query, deps.mfa);
      if (filter === null) return { users: [], nextCursor: null };
      const page = await listUsers(deps, {
        limit,
        filter,
        ...(search === undefined ? {} : { search }),
        ...(searchIn === undefined ? {} : { searchIn }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      const listed = await Promise.all(page.users.map((user) => listedUserView(user, deps.mfa)));
      return { users: listed, nextCursor: page.nextCursor };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/admin/users/:id',
    {
      schema: {
        ...adminOnly,
        summary: 'One user, their active sessions, second factors and linked identities',
        errors: { ...adminErrors, ...noSuchUser },
        params: userIdParams,
        response: {
          200: {
            type: 'object',
            required: ['user', 'sessions', 'factors', 'identities', 'usernameQuarantineSeconds'],
            properties: {
              user: adminUserSchema,
              sessions: sessionListSchema.properties.sessions,
              factors: factorsSchema,
              identities: identitiesSchema,
              usernameQuarantineSeconds: {
                type: 'integer',
                description:
                  'How long the username would stay taken after a deletion (`Accounts.UsernameQuarantine`), so that a confirmation can say so.',
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const user = await existingUser(request.params.id);
      const callerSession = claimsOf(request).sid;
      const [active, factors, passkeys, identities] = await Promise.all([
        sessions.list(user.id),
        deps.mfa?.factors.get(user.id),
        deps.mfa?.passkeys?.passkeys.list(user.id) ?? [],
        deps.identities?.listByUser(user.id) ?? [],
      ]);
      const confirmedAt = factors?.totp?.confirmedAt ?? null;
      return {
        user: adminUserView(user),
        sessions: active.map((s) => toSessionView(s, callerSession)),
        factors: {
          available: deps.mfa !== undefined,
          totp: confirmedAt !== null,
          totpSince: confirmedAt === null ? null : iso(confirmedAt),
          recoveryCodesLeft: factors?.recoveryCodesLeft ?? 0,
          passkeys: passkeys.map((passkey) => ({
            name: passkey.name,
            createdAt: iso(passkey.createdAt),
            lastUsedAt: passkey.lastUsedAt === null ? null : iso(passkey.lastUsedAt),
            backedUp: passkey.backedUp,
          })),
        },
        identities: identities.map((identity) => ({
          provider: identity.provider,
          subject: identity.subject,
          email: identity.email,
          emailVerified: identity.emailVerified,
          displayName: identity.displayName,
          linkedAt: iso(identity.createdAt),
          lastSignInAt: iso(identity.lastSignInAt),
        })),
        usernameQuarantineSeconds: accounts.usernameQuarantineSec,
      };
    },
  );

  for (const disabled of [true, false]) {
    app.post<{ Params: { id: string } }>(
      `/admin/users/:id/${disabled ? 'disable' : 'enable'}`,
      {
        schema: {
          ...adminOnly,
          summary: disabled
            ? 'Disable a user: every session ends at once and logins are refused'
            : 'Enable a disabled user again; they log in anew',
          errors: {
            ...adminErrors,
            ...noSuchUser,
            ...(disabled ? { ERR_LAST_ADMIN: 'the user is the last enabled administrator' } : {}),
          },
          params: userIdParams,
          response: { 200: userChangedSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { user, revokedSessions } = await setUserDisabled(
          deps,
          request.params.id,
          disabled,
          byAdmin(request),
          clientInfo(request),
        );
        return { user: adminUserView(user), revokedSessions };
      },
    );
  }

  app.patch<{
    Params: { id: string };
    Body: { role?: string; appMetadata?: Record<string, unknown>; userMetadata?: Record<string, unknown> };
  }>(
    '/admin/users/:id',
    {
      schema: {
        ...adminOnly,
        summary:
          "Change a user's role or metadata; a role change ends their sessions, since their tokens carry the old one",
        description:
          'Each metadata object given replaces the whole stored one (`{}` empties it): `appMetadata` up to 4 times `Accounts.UserMetadataMaxBytes`, `userMetadata` up to that. Metadata is saved before a role change is tried, so a refused role change (`ERR_LAST_ADMIN`) still leaves the new metadata; tokens carry new metadata (`Auth.Claims`) from their next refresh.',
        errors: {
          ...adminErrors,
          ...noSuchUser,
          ERR_LAST_ADMIN: 'the user is the last enabled administrator',
          ERR_INVALID_METADATA: 'nested deeper than 8 levels',
          ERR_METADATA_TOO_LARGE: 'larger than the limit',
        },
        params: userIdParams,
        body: {
          type: 'object',
          minProperties: 1,
          additionalProperties: false,
          properties: {
            role: { type: 'string', pattern: ROLE_PATTERN.source },
            appMetadata: metadataSchema,
            userMetadata: metadataSchema,
          },
        },
        response: { 200: userChangedSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { role } = request.body;
      const maxBytes = accounts.userMetadataMaxBytes;
      const appMetadata =
        request.body.appMetadata === undefined ? undefined : acceptMetadata(request.body.appMetadata, 4 * maxBytes);
      const userMetadata =
        request.body.userMetadata === undefined ? undefined : acceptMetadata(request.body.userMetadata, maxBytes);
      if (appMetadata !== undefined || userMetadata !== undefined) {
        // Application metadata can reach tokens (`Auth.Claims`): written only while the caller is still an administrator.
        const updated = await users.update(
          request.params.id,
          {
            ...(appMetadata === undefined ? {} : { appMetadata }),
            ...(userMetadata === undefined ? {} : { userMetadata }),
            updatedAt: deps.clock.now(),
          },
          actingAdminHolder(claimsOf(request).sub),
        );
        if (updated === null) throw new AuthError('ERR_USER_NOT_FOUND');
        if (role === undefined) return { user: adminUserView(updated), revokedSessions: 0 };
      }
      const { user, revokedSessions } = await changeUserRole(
        deps,
        request.params.id,
        role as string,
        byAdmin(request),
        clientInfo(request),
      );
      return { user: adminUserView(user), revokedSessions };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/admin/users/:id',
    {
      schema: {
        ...adminOnly,
        summary: 'Delete a user: every session ends at once, the account and everything kept under it go',
        description:
          'Audit records keep the user id without the username or addresses; the username stays taken for `Accounts.UsernameQuarantine`. An administrator may delete their own account, unless it is the last enabled one.',
        errors: {
          ...adminErrors,
          ...noSuchUser,
          ERR_LAST_ADMIN: 'the user is the last enabled administrator',
          ERR_STORE_UNAVAILABLE:
            'a store cannot be reached: the account may be disabled with its sessions ended already; asking again finishes the deletion',
        },
        params: userIdParams,
        response: {
          200: {
            type: 'object',
            required: ['deleted', 'revokedSessions'],
            properties: {
              deleted: adminUserSchema,
              revokedSessions: { type: 'integer', description: 'Sessions the deletion ended.' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { user, revokedSessions } = await deleteAccount(
        { ...deps, accounts },
        request.params.id,
        byAdmin(request),
        clientInfo(request),
      );
      return { deleted: adminUserView(user), revokedSessions };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/admin/users/:id/logout',
    {
      schema: {
        ...adminOnly,
        summary: 'Force a user out: end all their sessions at once',
        errors: { ...adminErrors, ...noSuchUser },
        params: userIdParams,
        response: { 200: revokedCount, ...errorResponses },
      },
    },
    async (request) => ({
      revoked: await signUserOut(deps, request.params.id, byAdmin(request), clientInfo(request)),
    }),
  );

  app.delete<{ Params: { id: string } }>(
    '/admin/users/:id/mfa',
    {
      schema: {
        ...adminOnly,
        summary: "Reset a user's second factors: remove them and end all their sessions",
        description:
          'For a user who lost their authenticator app and recovery codes, or their passkeys: all are removed. Their next login needs only the password (or, for a role in `Mfa.RequiredForRoles`, sets a new factor up).',
        errors: {
          ...adminErrors,
          ...noSuchUser,
          ERR_MFA_NOT_CONFIGURED: 'second factors are off: no `Mfa.EncryptionKey` in production',
        },
        params: userIdParams,
        response: {
          200: {
            type: 'object',
            required: ['removed', 'revokedSessions'],
            properties: {
              removed: { type: 'boolean', description: 'Whether a second factor (an app, a passkey) was set up.' },
              revokedSessions: { type: 'integer' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const actor = byAdmin(request);
      const report = { actor, userId: request.params.id, client: clientInfo(request) };
      try {
        if (deps.mfa === undefined) throw new AuthError('ERR_MFA_NOT_CONFIGURED');
        const user = await existingUser(request.params.id);
        const options = { reason: 'admin', actor: sessionActorOf(actor) } as const;
        // The one write that decides the reset, checked against the caller's authority in its transaction:
        // refused there (ERR_FORBIDDEN), nothing is removed. The factors go only after it.
        const decided = await changeCredentials(deps, user.id, {}, { ...options, ...actingAdminHolder(actor.id) });
        if (decided === null) throw new AuthError('ERR_USER_NOT_FOUND');
        const removedTotp =
          (await deps.mfa.factors.removeFactor(user.id, { kind: 'totp' }, { keepOne: false })) === 'removed';
        const removedPasskeys = (await deps.mfa.passkeys?.passkeys.removeAll(user.id)) ?? 0;
        const removed = removedTotp || removedPasskeys > 0;
        // A credential change like any other: sessions signed in with the old factor end with it, one that
        // began while the factors were being removed too.
        const changed = await changeCredentials(deps, user.id, {}, options);
        if (changed === null) throw new AuthError('ERR_USER_NOT_FOUND');
        const revokedSessions = decided.revokedSessions + changed.revokedSessions;
        events?.adminResetMfa({ ...report, revokedSessions, removed });
        return { removed, revokedSessions };
      } catch (error) {
        events?.adminResetMfa({ ...report, revokedSessions: 0, error });
        throw error;
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/admin/users/:id/password-reset',
    {
      schema: {
        ...adminOnly,
        summary: 'Mail a user a password reset link',
        description:
          "The same single-use, short-lived link as `POST /auth/password/forgot` sends, to the account's address (verified or not: following the link proves it). The password and the sessions stay as they are until the user sets a new password from the link. Answers 202 once the mail is in the outbox.",
        errors: {
          ...adminErrors,
          ...noSuchUser,
          ERR_EMAIL_REQUIRED: 'the account has no email address to send the link to',
          ERR_VALIDATION: 'the account is disabled: enable it first (a disabled account gets no link)',
          ERR_MAIL_UNAVAILABLE: 'this server sends no mail (no `Mail` settings)',
        },
        params: userIdParams,
        response: {
          202: {
            type: 'object',
            required: ['email'],
            properties: { email: { type: 'string', description: 'The address the link goes to.' } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const actor = byAdmin(request);
      const report = { actor, userId: request.params.id, client: clientInfo(request) };
      try {
        if (deps.mail === undefined) throw new AuthError('ERR_MAIL_UNAVAILABLE');
        const user = await existingUser(request.params.id);
        if (user.email == null) throw new AuthError('ERR_EMAIL_REQUIRED');
        // The mail flow sends nothing to a disabled account, so say so rather than answer a silent success.
        if (user.disabled)
          throw new AuthError('ERR_VALIDATION', {
            reason: 'user-disabled',
            message: 'The account is disabled; enable it first',
          });
        await deps.mail.flows.requestPasswordReset(user.email);
        events?.adminSentPasswordReset(report);
        return reply.code(202).send({ email: user.email });
      } catch (error) {
        events?.adminSentPasswordReset({ ...report, error });
        throw error;
      }
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
      await endSession(deps, request.params.id, byAdmin(request), clientInfo(request));
      return reply.code(204).send();
    },
  );
};
