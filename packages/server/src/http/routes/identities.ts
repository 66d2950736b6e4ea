import { AuthError, assertAuthentication, type FederatedIdentity, hasPassword } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import { resolveReturnTo } from '../../oauth/return-to.js';
import { adminErrors, adminOnly, createRequireAdmin } from '../admin-access.js';
import { oauthProvider, startOAuthFlow } from '../oauth-route-deps.js';
import { claimsOf } from '../plugins/auth-guard.js';
import { assertAddressProven } from '../proven-address.js';
import { clientInfo } from '../route-deps.js';
import { errorResponses } from '../schemas.js';
import { flowStartedSchema, type OAuthRoutesOptions, providerParams } from './oauth.js';

/**
 * How recent a sign-in must be to link an identity: a linked identity signs
 * in on its own, so whoever picks up an unattended, long-open session must
 * not slip in one of their own (RFC 9470 `max_age`, so the client knows to
 * sign in again). The rule of adding a passkey.
 */
export const LINK_IDENTITY_MAX_AUTH_AGE_SEC = 600;

const identitySchema = {
  title: 'LinkedIdentity',
  type: 'object',
  required: ['provider', 'providerName', 'subject', 'emailVerified', 'linkedAt', 'lastSignInAt'],
  properties: {
    provider: { type: 'string', description: 'The provider name in `OAuth.Providers`.' },
    providerName: { type: 'string', description: "The provider's display name." },
    subject: { type: 'string', description: "The user's id at the provider." },
    name: { type: 'string', description: 'The name or login the provider gave, when it gave one.' },
    email: { type: 'string', description: 'The address the provider asserted at the last sign-in, when it gave one.' },
    emailVerified: { type: 'boolean' },
    linkedAt: { type: 'string', format: 'date-time' },
    lastSignInAt: { type: 'string', format: 'date-time' },
  },
} as const;

const identityListSchema = {
  type: 'object',
  required: ['identities', 'passwordSet'],
  properties: {
    identities: { type: 'array', items: identitySchema },
    passwordSet: {
      type: 'boolean',
      description: 'Whether the account has a password, so that its last identity may be unlinked.',
    },
  },
} as const;

/**
 * A user's identities at identity providers: list them, link another (the
 * provider's flow, bound to the signed-in user), unlink one while another way
 * to sign in remains; and the administrators' view of anyone's.
 */
export const identityRoutes: FastifyPluginAsync<OAuthRoutesOptions> = async (app, deps) => {
  const { oauth, users } = deps;

  function view(identity: FederatedIdentity) {
    return {
      provider: identity.provider,
      providerName: oauth.providers.get(identity.provider)?.displayName ?? identity.provider,
      subject: identity.subject,
      ...(identity.displayName === null ? {} : { name: identity.displayName }),
      ...(identity.email === null ? {} : { email: identity.email }),
      emailVerified: identity.emailVerified,
      linkedAt: new Date(identity.createdAt).toISOString(),
      lastSignInAt: new Date(identity.lastSignInAt).toISOString(),
    };
  }

  async function listOf(userId: string) {
    const user = await users.findById(userId);
    if (user === null) throw new AuthError('ERR_USER_NOT_FOUND');
    const identities = await oauth.accounts.identities.listByUser(userId);
    return { identities: identities.map(view), passwordSet: hasPassword(user) };
  }

  app.get(
    '/auth/identities',
    {
      config: { auth: true },
      schema: {
        summary: 'My identities at identity providers',
        tags: ['oauth'],
        response: { 200: identityListSchema, ...errorResponses },
        errors: {
          ERR_USER_NOT_FOUND: 'the account of the access token no longer exists',
          ERR_STORE_UNAVAILABLE: 'or the database cannot be reached',
        },
      },
    },
    async (request) => listOf(claimsOf(request).sub),
  );

  app.post<{ Params: { provider: string }; Body: { returnTo?: string; mode?: 'cookie' | 'json' } }>(
    '/auth/identities/:provider/link',
    {
      config: { auth: true, csrf: true },
      schema: {
        summary: 'Link an identity at a provider to my account',
        description:
          'Needs a sign-in at most 10 minutes old, and a verified address when the account has one. Starts the provider\'s flow for the signed-in user: the page sends the browser to `authorizationUrl` (the flow cookie is set on this answer); the callback links the identity to this account and goes back to `returnTo` with `#oauth-linked=<provider>`. An identity linked to another account is refused there (`ERR_IDENTITY_TAKEN`). `"mode": "json"` returns a `flowToken` for `POST /auth/oauth/{provider}/callback` instead.',
        tags: ['oauth'],
        params: providerParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            returnTo: { type: 'string', maxLength: 2048 },
            mode: { type: 'string', enum: ['cookie', 'json'], default: 'cookie' },
          },
        },
        response: { 200: flowStartedSchema, ...errorResponses },
        errors: {
          ERR_OAUTH_PROVIDER_UNKNOWN: 'no provider of that name in `OAuth.Providers`',
          ERR_OAUTH_PROVIDER_UNAVAILABLE: "the provider's discovery document or keys cannot be fetched",
          ERR_OAUTH_PROVIDER_ERROR: "the provider's discovery document is not one jwtgate can use",
          ERR_VALIDATION: '`returnTo` is not on this server or an allowed origin',
          ERR_EMAIL_NOT_VERIFIED:
            'the account has an address that is not verified yet: whoever registered it may not own it, so it links nothing until the link or code mailed to it (or a reset) proves it',
          ERR_INSUFFICIENT_AUTHENTICATION: `the sign-in is older than ${LINK_IDENTITY_MAX_AUTH_AGE_SEC / 60} minutes: sign in again (\`WWW-Authenticate\` says \`max_age\`)`,
        },
      },
    },
    async (request, reply) => {
      const claims = claimsOf(request);
      assertAuthentication(claims, { maxAuthAgeSec: LINK_IDENTITY_MAX_AUTH_AGE_SEC }, deps.clock.now());
      await assertAddressProven(users, claims.sub, 'identity');
      const provider = oauthProvider(oauth, request.params.provider);
      const mode = request.body?.mode ?? 'cookie';
      const returnTo = resolveReturnTo(request.body?.returnTo, oauth);
      const { authorizationUrl, sealed } = await startOAuthFlow(oauth, deps.clock.now(), provider, {
        returnTo,
        linkUserId: claims.sub,
        linkSessionId: claims.sid,
        mode,
        device: null,
      });
      if (mode === 'json') return { authorizationUrl, flowToken: sealed };
      oauth.flowCookie.set(reply, sealed, oauth.flowExpireSec);
      return { authorizationUrl };
    },
  );

  app.delete<{ Params: { provider: string } }>(
    '/auth/identities/:provider',
    {
      config: { auth: true, csrf: true },
      schema: {
        summary: 'Unlink my identity at a provider',
        description:
          'Refused while it is the last way into the account (no password and no other identity). Sessions it started go on; the identity no longer signs in.',
        tags: ['oauth'],
        params: providerParams,
        response: { 204: { type: 'null', description: 'The identity is unlinked.' }, ...errorResponses },
        errors: {
          ERR_IDENTITY_NOT_FOUND: 'the account has no identity of that provider',
          ERR_LAST_SIGN_IN_METHOD: 'the account has no password and no other identity',
          ERR_STORE_UNAVAILABLE: 'or the database cannot be reached: nothing was unlinked',
        },
      },
    },
    async (request, reply) => {
      const userId = claimsOf(request).sub;
      const provider = request.params.provider;
      const outcome = await oauth.accounts.identities.unlink(userId, provider);
      if (outcome === 'not-found') throw new AuthError('ERR_IDENTITY_NOT_FOUND');
      if (outcome === 'last-sign-in-method') throw new AuthError('ERR_LAST_SIGN_IN_METHOD');
      deps.events?.identityChanged({ change: 'unlinked', userId, provider, client: clientInfo(request) });
      return reply.code(204).send();
    },
  );

  await app.register(async (admin) => {
    admin.addHook('onRequest', admin.requireAuth);
    admin.addHook('onRequest', createRequireAdmin(deps));
    admin.get<{ Params: { id: string } }>(
      '/admin/users/:id/identities',
      {
        schema: {
          ...adminOnly,
          summary: "A user's identities at identity providers",
          errors: { ...adminErrors, ERR_USER_NOT_FOUND: 'no user has this id' },
          params: {
            type: 'object',
            required: ['id'],
            additionalProperties: false,
            properties: { id: { type: 'string', minLength: 1, maxLength: 64, description: "The user's id." } },
          },
          response: { 200: identityListSchema, ...errorResponses },
        },
      },
      async (request) => listOf(request.params.id),
    );
  });
};
