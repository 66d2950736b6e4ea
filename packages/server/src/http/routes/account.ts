import { AuthError, acceptMetadata, type SecondFactorMethod, toPublicUser, type UserRecord } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import { deleteAccount } from '../../accounts/delete-account.js';
import { exportAccount } from '../../accounts/export-account.js';
import { requireMfaIfEnrolled } from '../mfa-login.js';
import { claimsOf } from '../plugins/auth-guard.js';
import { reauthErrors, reauthenticate } from '../reauthenticate.js';
import { type CookieRouteDeps, clientInfo, DEFAULT_ACCOUNT_POLICY } from '../route-deps.js';
import {
  accountUserSchema,
  errorResponses,
  metadataSchema,
  sessionListSchema,
  toSessionView,
  withMetadata,
} from '../schemas.js';

const isoOrNull = { type: ['string', 'null'], format: 'date-time' } as const;

const exportSchema = {
  title: 'AccountExport',
  type: 'object',
  required: ['exportedAt', 'user', 'sessions', 'secondFactors', 'passkeys', 'identities', 'audit'],
  properties: {
    exportedAt: { type: 'string', format: 'date-time' },
    user: {
      type: 'object',
      required: [
        'id',
        'username',
        'role',
        'disabled',
        'email',
        'emailVerifiedAt',
        'createdAt',
        'updatedAt',
        'appMetadata',
        'userMetadata',
      ],
      properties: {
        id: { type: 'string' },
        username: { type: 'string' },
        role: { type: 'string' },
        disabled: { type: 'boolean' },
        email: { type: ['string', 'null'] },
        emailVerifiedAt: isoOrNull,
        createdAt: { type: 'string', format: 'date-time' },
        updatedAt: { type: 'string', format: 'date-time' },
        appMetadata: metadataSchema,
        userMetadata: metadataSchema,
      },
    },
    sessions: sessionListSchema.properties.sessions,
    secondFactors: {
      type: ['object', 'null'],
      description: '`null` when second factors are off on this server.',
      required: ['totp', 'totpSince', 'recoveryCodesLeft'],
      properties: {
        totp: { type: 'boolean' },
        totpSince: isoOrNull,
        recoveryCodesLeft: { type: 'integer' },
      },
    },
    passkeys: {
      type: ['array', 'null'],
      description: '`null` when passkeys are off on this server.',
      items: {
        type: 'object',
        required: ['id', 'name', 'deviceType', 'backedUp', 'createdAt', 'lastUsedAt'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          deviceType: { type: 'string' },
          backedUp: { type: 'boolean' },
          createdAt: { type: 'string', format: 'date-time' },
          lastUsedAt: isoOrNull,
        },
      },
    },
    identities: {
      type: ['array', 'null'],
      description: 'Identities at identity providers; `null` when that sign-in is off on this server.',
      items: {
        type: 'object',
        required: ['provider', 'subject', 'email', 'emailVerified', 'displayName', 'createdAt', 'lastSignInAt'],
        properties: {
          provider: { type: 'string' },
          subject: { type: 'string' },
          email: { type: ['string', 'null'] },
          emailVerified: { type: 'boolean' },
          displayName: { type: ['string', 'null'] },
          createdAt: { type: 'string', format: 'date-time' },
          lastSignInAt: { type: 'string', format: 'date-time' },
        },
      },
    },
    audit: {
      type: ['array', 'null'],
      description: "The user's audit records, newest first; `null` when the trail is not kept in the database.",
      items: {
        type: 'object',
        required: ['id', 'at', 'event', 'outcome', 'userId', 'sessionId', 'actorId', 'ip', 'userAgent', 'requestId'],
        properties: {
          id: { type: 'string' },
          at: { type: 'integer', description: 'Milliseconds since the epoch.' },
          event: { type: 'string' },
          outcome: { type: 'string' },
          userId: { type: ['string', 'null'] },
          sessionId: { type: ['string', 'null'] },
          actorId: { type: ['string', 'null'] },
          ip: { type: ['string', 'null'] },
          userAgent: { type: ['string', 'null'] },
          requestId: { type: ['string', 'null'] },
          details: { type: 'object', additionalProperties: true },
        },
      },
    },
  },
} as const;

/** As at login: an over-long guess reaches the check, which refuses it before hashing and counts it. */
const deleteBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    password: { type: 'string', description: 'The account’s password, checked as a login checks it.' },
    code: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      description: 'Instead of the password: a code of the second factor (with `method`).',
    },
    method: { type: 'string', enum: ['totp', 'recovery'], default: 'totp' },
  },
} as const;

/**
 * The signed-in user's own account: edit their metadata, take out
 * everything kept about them, delete it.
 */
export const accountRoutes: FastifyPluginAsync<CookieRouteDeps> = async (app, deps) => {
  const accounts = deps.accounts ?? DEFAULT_ACCOUNT_POLICY;

  async function currentUser(userId: string): Promise<UserRecord> {
    const user = await deps.users.findById(userId);
    if (user === null || user.disabled) throw new AuthError('ERR_TOKEN_REVOKED', { reason: 'user-gone' });
    return user;
  }

  app.patch<{ Body: { userMetadata: Record<string, unknown> } }>(
    '/auth/me',
    {
      config: { auth: true, csrf: true },
      schema: {
        summary: 'Replace my user metadata',
        description: `The whole \`userMetadata\` object is replaced; \`{}\` empties it. At most \`Accounts.UserMetadataMaxBytes\` (${DEFAULT_ACCOUNT_POLICY.userMetadataMaxBytes} by default) of compact JSON, nested at most 8 deep. Tokens carry the new values (\`Auth.Claims\`) from the next refresh.`,
        tags: ['auth'],
        body: {
          type: 'object',
          required: ['userMetadata'],
          additionalProperties: false,
          properties: { userMetadata: metadataSchema },
        },
        response: { 200: accountUserSchema, ...errorResponses },
        errors: {
          ERR_INVALID_METADATA: 'nested deeper than 8 levels',
          ERR_METADATA_TOO_LARGE: 'more than `Accounts.UserMetadataMaxBytes` bytes of JSON',
          ERR_TOKEN_REVOKED: 'the account was disabled or deleted meanwhile',
          ERR_STORE_UNAVAILABLE: 'the database cannot be reached; nothing changed',
        },
      },
    },
    async (request) => {
      const claims = claimsOf(request);
      const userMetadata = acceptMetadata(request.body.userMetadata, accounts.userMetadataMaxBytes);
      const user = await deps.users.update(claims.sub, { userMetadata, updatedAt: deps.clock.now() });
      if (user === null || user.disabled) throw new AuthError('ERR_TOKEN_REVOKED', { reason: 'user-gone' });
      return withMetadata(toPublicUser(user), user);
    },
  );

  app.get(
    '/auth/me/export',
    {
      config: { auth: true },
      schema: {
        summary: 'Everything this server keeps about me, as JSON',
        description:
          'The account, its metadata, its active sessions, whether it has second factors, and its audit records (when kept in the database). Never a password hash, a token or its hash, or a second factor’s secret.',
        tags: ['auth'],
        response: {
          200: {
            ...exportSchema,
            headers: {
              'Content-Disposition': { type: 'string', description: '`attachment`, with a file name.' },
            },
          },
          ...errorResponses,
        },
        errors: {
          ERR_TOKEN_REVOKED: 'also when the account has been disabled or deleted',
          ERR_STORE_UNAVAILABLE: 'a store cannot be reached; retry',
        },
      },
    },
    async (request, reply) => {
      const claims = claimsOf(request);
      const user = await currentUser(claims.sub);
      const data = await exportAccount(
        {
          sessions: deps.sessions,
          factors: deps.mfa?.factors,
          passkeys: deps.mfa?.passkeys?.passkeys,
          identities: deps.identities,
          audit: deps.auditTrail?.store,
          now: deps.clock.now(),
        },
        user,
      );
      reply.header('content-disposition', 'attachment; filename="jwtgate-account.json"');
      return { ...data, sessions: data.sessions.map((s) => toSessionView(s, claims.sid)) };
    },
  );

  app.delete<{ Body: { password?: string; code?: string; method?: SecondFactorMethod } }>(
    '/auth/me',
    {
      config: { auth: true, csrf: true },
      schema: {
        summary: 'Delete my account',
        description:
          'Needs the password, or a code of the second factor, checked again; a user with a second factor also needs an access token from a sign-in with it (step-up, RFC 9470). Every session ends at once, access tokens included; the account and everything kept under it go; audit records keep the account id without the username or addresses; the username stays taken for `Accounts.UsernameQuarantine`.',
        tags: ['auth'],
        body: deleteBody,
        response: {
          204: {
            type: 'null',
            description: 'The account is gone.',
            headers: {
              'Set-Cookie': { type: 'string', description: "Cookie mode: deletes the browser's refresh cookie." },
            },
          },
          ...errorResponses,
        },
        errors: {
          ...reauthErrors,
          ERR_INSUFFICIENT_AUTHENTICATION:
            'the user has a second factor and this access token is from a sign-in without it: sign in again with it (RFC 9470)',
          ERR_LAST_ADMIN: 'the caller is the last enabled administrator',
          ERR_MFA_NOT_CONFIGURED: '`code` while second factors are off',
          ERR_STORE_UNAVAILABLE:
            'a store cannot be reached: the account may be disabled with its sessions ended already; asking again finishes the deletion',
        },
      },
    },
    async (request, reply) => {
      const claims = claimsOf(request);
      const { password, code, method } = request.body;
      if ((password === undefined) === (code === undefined)) {
        throw new AuthError('ERR_VALIDATION', { reason: 'password-or-code', message: 'Send either password or code' });
      }
      await requireMfaIfEnrolled(deps.mfa, claims);
      const user = await reauthenticate(deps, request, { password, code, method });
      await deleteAccount({ ...deps, accounts }, user.id, 'self', clientInfo(request));
      if (deps.refreshCookie?.has(request)) deps.refreshCookie.clear(reply);
      return reply.code(204).send();
    },
  );
};
