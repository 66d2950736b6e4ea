import {
  AuthError,
  authenticateUser,
  EMAIL_MAX_LENGTH,
  isAuthError,
  type LoginIdentity,
  normaliseEmail,
  registerConcealingEmail,
  registerUser,
  registerWithInvitation,
  toPublicUser,
  type UserRecord,
} from '@jwtgate/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { tokenBody } from '../finish-login.js';
import { assertCookieLoginAllowed, finishFirstFactor, loginAnswerSchema } from '../first-factor-login.js';
import { refuseOtherMethods } from '../method-not-allowed.js';
import { claimsOf, deferredAuthError } from '../plugins/auth-guard.js';
import { type CookieRouteDeps, clientInfo, DEFAULT_ACCOUNT_POLICY } from '../route-deps.js';
import { errorResponses, publicUserSchema, tokenResponseSchema } from '../schemas.js';
import { deadCookieCodes } from '../silent-refresh.js';

export const emailField = {
  type: 'string',
  maxLength: EMAIL_MAX_LENGTH * 4,
  description: 'An email address; compared case-insensitively after trimming and Unicode NFC.',
} as const;

const registerBody = {
  type: 'object',
  required: ['password'],
  anyOf: [{ required: ['username'] }, { required: ['email'] }, { required: ['invitation'] }],
  additionalProperties: false,
  properties: {
    username: { type: 'string', description: 'Optional with an `email` or an `invitation`: a name is then generated.' },
    email: {
      ...emailField,
      description:
        'Required with `Auth.RequireEmail`; starts unverified. With an `invitation`, leave it out (or give the invited address): the account gets the invited one, verified.',
    },
    password: { type: 'string' },
    invitation: {
      type: 'string',
      maxLength: 128,
      description:
        "The secret of an invitation link (`#invitation=…`): registers even while `Register.Enabled` is off, with the invitation's address and role, and uses it up.",
    },
  },
} as const;

/** The answer of a registration with `Register.ConcealTakenEmail`: the same whether the address was taken. */
const REGISTRATION_ACCEPTED = { accepted: true } as const;

const registrationAccepted = {
  type: 'object',
  required: ['accepted'],
  additionalProperties: false,
  description:
    'With `Register.ConcealTakenEmail`: a mail is on its way to the address, a verification for a new account or a notice to the holder of a taken one; nothing says which.',
  properties: { accepted: { type: 'boolean', const: true } },
} as const;

/** What a login says of the session it starts; sign-in by email takes the same. */
export const sessionFields = {
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
} as const;

const loginBody = {
  type: 'object',
  required: ['password'],
  oneOf: [{ required: ['username'] }, { required: ['email'] }],
  additionalProperties: false,
  properties: {
    username: { type: 'string', description: 'Either `username` or `email`, not both.' },
    email: emailField,
    password: { type: 'string' },
    ...sessionFields,
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
    refreshToken: {
      type: 'string',
      maxLength: 4096,
      description:
        'Proof for an API client whose access token has expired: the session of this refresh token ends (`scope` `current` only). Used only when no valid access token is presented.',
    },
  },
} as const;

/**
 * A missing body means the defaults (`{}`), for routes whose fields are all optional.
 *
 * @example
 * app.delete('/auth/passkeys/:id', { preValidation: emptyBodyAsObject, schema }, handler);
 */
export async function emptyBodyAsObject(request: { body: unknown }): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}

/** The routes' dependencies; `providerLogout` when identity providers are configured. */
export type AuthRoutesOptions = CookieRouteDeps;

/** Registration, login, refresh and logout. */
export const authRoutes: FastifyPluginAsync<AuthRoutesOptions> = async (app, deps) => {
  const { sessions, refreshCookie } = deps;

  /** The answer of a logout that ended `sessionId` (this device's session): with the provider's logout URL, if any. */
  async function loggedOut(
    request: FastifyRequest,
    sessionId: string,
    revoked: number,
  ): Promise<{ revoked: number; providerLogoutUrl?: string }> {
    const url =
      deps.providerLogout === undefined
        ? null
        : await deps.providerLogout.urlFor(sessionId, (error) =>
            request.log.warn({ err: error }, 'no logout URL from the identity provider'),
          );
    return url === null ? { revoked } : { revoked, providerLogoutUrl: url };
  }

  app.post<{ Body: { username?: string; email?: string; password: string; invitation?: string } }>(
    '/auth/register',
    {
      config: { csrf: true },
      schema: {
        summary: 'Create an account',
        description:
          'The account gets the `user` role; administrators are made with `jwtgate user add --role admin`. A `username`, an `email` or both; with an email and mail on, a verification mail is sent at once. With `Register.ConcealTakenEmail`, a registration with an `email` (and no `invitation`) answers 202 `{ "accepted": true }` whether or not an account has the address: a new account gets its verification mail, the holder of a taken address a mail saying someone tried to register with it; a taken `username` is still `ERR_USERNAME_TAKEN`. With an `invitation` (`POST /admin/invitations`), the account gets its role and its address, already verified, even while `Register.Enabled` is off; the invitation is used only when the account is made, so a registration refused for another reason (a taken username, a weak password) leaves it usable.',
        tags: ['auth'],
        body: registerBody,
        response: { 201: publicUserSchema, 202: registrationAccepted, ...errorResponses },
        errors: {
          ERR_INVALID_USERNAME:
            'empty, over 64 characters, with whitespace, control or unassigned characters, or mixing scripts (Latin with Cyrillic or Greek; only Latin with Chinese, Japanese or Korean may mix: UTS #39 Highly Restrictive)',
          ERR_INVALID_PASSWORD: 'fewer than 8 or more than 1024 characters',
          ERR_COMMON_PASSWORD:
            'the password is one of the 100,000 most common passwords, in any letter case (`Passwords.RejectCommon`)',
          ERR_PASSWORD_CONTAINS_CONTEXT:
            'the password is made of the username, the email address (its local part or domain) or the service’s words (its name, `Passwords.ContextWords`), with only digits, symbols or a repeated letter besides',
          ERR_BREACHED_PASSWORD:
            'the password appears in Have I Been Pwned’s Pwned Passwords (`Passwords.BreachCheck`)',
          ERR_BREACH_CHECK_UNAVAILABLE:
            'the Pwned Passwords range API gave no usable answer in time and `Passwords.BreachCheck.WhenUnavailable` is `refuse`',
          ERR_MALFORMED_PASSWORD: 'the password has a lone UTF-16 surrogate (not well-formed Unicode)',
          ERR_USERNAME_TAKEN: 'another account has this name, in any case or Unicode form',
          ERR_INVALID_EMAIL: 'not one plain address (`local@domain.tld`, at most 254 bytes)',
          ERR_EMAIL_REQUIRED: 'no `email` while `Auth.RequireEmail` is on',
          ERR_EMAIL_TAKEN:
            'another account has this address, in any case; never with `Register.ConcealTakenEmail`, which answers 202 `{ "accepted": true }` for a taken address and a new one alike',
          ERR_RATE_LIMITED:
            'too many registration attempts from this address (`Register.MaxPerIp` per `Register.Window`); with `Register.ConcealTakenEmail` and an `email`, also the mail limits (`Mail.MaxPerAddress`, `Mail.MaxPerIp`), whether or not an account has the address',
          ERR_SERVER_BUSY: 'too many passwords are being hashed at once (`Hashing.MaxQueue`)',
          ERR_REGISTRATION_CLOSED: '`Register.Enabled` is off and no `invitation` was given',
          ERR_INVITATION_INVALID:
            'the `invitation` was never issued, was used or revoked, has expired, or its administrator has since been demoted, disabled or deleted (one answer for all)',
          ERR_VALIDATION: 'an `email` other than the invited address was given with an `invitation`',
          ERR_STORE_UNAVAILABLE: 'the database cannot be reached',
        },
      },
    },
    async (request, reply) => {
      const { invitation, ...input } = request.body;
      if (invitation === undefined && !(deps.accounts ?? DEFAULT_ACCOUNT_POLICY).registrationOpen) {
        throw new AuthError('ERR_REGISTRATION_CLOSED');
      }
      const registerDeps = {
        users: deps.users,
        hasher: deps.hasher,
        passwordScreen: deps.passwordScreen,
        contextWords: deps.contextWords,
        clock: deps.clock,
        throttle: deps.registrationThrottle,
        requireEmail: deps.emailPolicy?.requireEmail ?? false,
        ...(deps.newUserId === undefined ? {} : { newUserId: deps.newUserId }),
      };
      const ip = clientInfo(request).ip;
      const mail = deps.mail;
      if (invitation === undefined && input.email !== undefined && deps.accounts?.concealTakenEmail === true) {
        if (mail === undefined) throw new AuthError('ERR_MAIL_UNAVAILABLE');
        const email = input.email;
        let created: UserRecord | null;
        try {
          // Counted like the other requests that mail an address, taken or not.
          await mail.throttle.reserve('register', normaliseEmail(email).key, ip);
          created = await registerConcealingEmail(registerDeps, { ...input, ip });
        } catch (error) {
          if (isAuthError(error) && error.status < 500) deps.events?.registrationRefused();
          throw error;
        }
        if (created === null) {
          deps.events?.registrationRefused();
          await mail.registrationAttempted(email);
        } else {
          deps.events?.registered({ user: created, client: clientInfo(request) });
          await mail.registered(created);
        }
        return reply.code(202).send(REGISTRATION_ACCEPTED);
      }
      let user: UserRecord;
      let invitationId: string | undefined;
      try {
        if (invitation === undefined) {
          user = await registerUser(registerDeps, { ...input, ip });
        } else {
          if (deps.invitations === undefined) throw new AuthError('ERR_INVITATION_INVALID', { reason: 'off' });
          const invited = await registerWithInvitation(
            { ...registerDeps, store: deps.invitations.store, secrets: deps.invitations.secrets },
            { ...input, invitation, ip },
          );
          user = invited.user;
          invitationId = invited.invitation.id;
        }
      } catch (error) {
        if (isAuthError(error) && error.status < 500) deps.events?.registrationRefused();
        throw error;
      }
      deps.events?.registered({ user, client: clientInfo(request), invitationId });
      await deps.mail?.registered(user);
      return reply.code(201).send(toPublicUser(user));
    },
  );

  app.post<{ Body: LoginIdentity & { password: string; device?: string; cookie: boolean } }>(
    '/auth/login',
    {
      config: { csrf: true },
      schema: {
        summary: 'Log in with a password',
        description:
          'Starts a session for this device and returns its first tokens. The account is named by `username` or by `email`. With `"cookie": true` (cookie mode) the refresh token is set as an HttpOnly cookie instead of being returned. A user with a second factor gets `{ "mfaRequired": true, "mfaToken", "methods" }` instead, with no token and no cookie: `POST /auth/mfa/verify` finishes the login. A user whose role needs a second factor (`Mfa.RequiredForRoles`) and has none gets `"enrollmentRequired": true`: the mfaToken then only sets one up (`POST /auth/mfa/enrollment/totp`, or a passkey with `POST /auth/mfa/enrollment/passkey/options`).',
        tags: ['auth'],
        body: loginBody,
        response: {
          200: loginAnswerSchema,
          ...errorResponses,
        },
        errors: {
          ERR_COOKIE_MODE_DISABLED: '`"cookie": true` while `Cookie.Mode` is `off`',
          ERR_MALFORMED_PASSWORD:
            'the password has a lone UTF-16 surrogate (not well-formed Unicode); refused before it is checked or counted',
          ERR_INVALID_CREDENTIALS:
            'an unknown username or address, a wrong password and a disabled account alike; also a right password whose account was changed (password, role, disabled) while it was being checked',
          ERR_EMAIL_NOT_VERIFIED:
            'with `Auth.RequireVerifiedEmail`, the password is right but the address is not verified yet; no session was started',
          ERR_ORIGIN_NOT_ALLOWED: 'with `"cookie": true`, also when `Origin` is missing',
          ERR_CSRF_HEADER_MISSING: 'with `"cookie": true`, also without the refresh cookie',
          ERR_RATE_LIMITED:
            'too many failed logins for this username from this address (`Login.MaxFailures`), from this address (`Login.MaxFailuresPerIp`), or for this username from networks it has not logged in from lately (`Login.MaxFailuresPerAccount`: locked for `Login.LockDuration`, growing up to `Login.MaxLockDuration`); checked before the password, alike for unknown usernames',
          ERR_SERVER_BUSY: 'too many passwords are being checked at once (`Hashing.MaxQueue`); nothing was counted',
          ERR_STORE_UNAVAILABLE: 'the database, or Redis, cannot be reached',
        },
      },
    },
    async (request, reply) => {
      const { password, device, cookie } = request.body;
      const identity: LoginIdentity =
        request.body.email !== undefined ? { email: request.body.email } : { username: request.body.username ?? '' };
      const attempted = identity.email ?? identity.username;
      assertCookieLoginAllowed(deps, request, cookie);
      const client = clientInfo(request);
      let user: UserRecord;
      try {
        user = await authenticateUser(
          { ...deps, requireVerifiedEmail: deps.emailPolicy?.requireVerifiedEmail ?? false },
          { ...identity, password, ip: client.ip },
        );
      } catch (error) {
        deps.events?.loginRefused({ error, attempted, client });
        throw error;
      }
      return finishFirstFactor(deps, reply, { user, device: device ?? null, cookie, client });
    },
  );

  app.post<{ Body: { refreshToken?: string } }>(
    '/auth/refresh',
    {
      config: { csrf: true },
      preValidation: emptyBodyAsObject,
      schema: {
        summary: 'Rotate a refresh token (from the body, or in cookie mode from the cookie)',
        description:
          'Each refresh token works once and returns a successor. Presented again within `Auth.RefreshGrace` (two tabs at once), it returns the same successor; presented later, it counts as theft and the whole session is revoked (RFC 9700 §4.14).',
        tags: ['auth'],
        security: [{}, { refreshCookie: [] }],
        body: refreshBody,
        response: {
          200: {
            ...tokenResponseSchema,
            headers: { 'Set-Cookie': { type: 'string', description: 'Cookie mode: the successor refresh cookie.' } },
          },
          ...errorResponses,
        },
        errors: {
          ERR_REFRESH_TOKEN_INVALID:
            'not a refresh token of this server, or several refresh cookies were sent: both are kept, since deleting ours would leave only the one planted from elsewhere (a sibling domain or another path) in place',
          ERR_REFRESH_TOKEN_EXPIRED:
            'unused for `Auth.RefreshExpire`, or its session is older than `Auth.SessionMaxAge`',
          ERR_REFRESH_TOKEN_REUSED: 'already used, past the grace window: the session is revoked',
          ERR_SESSION_REVOKED: 'its session has ended, or its user has been disabled or deleted',
          ERR_REFRESH_TOKEN_MISSING: 'no `refreshToken` in the body and no refresh cookie',
          ERR_RATE_LIMITED:
            'too many refused refreshes from this address (`Refresh.MaxFailuresPerIp`), or too many refreshes of this session (`Refresh.MaxPerSession` per `Refresh.SessionWindow`); the token stays unspent',
          ERR_STORE_UNAVAILABLE: 'the session store cannot be reached; the token stays unspent',
        },
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

  app.post<{ Body: { scope: 'current' | 'others' | 'all'; refreshToken?: string } }>(
    '/auth/logout',
    {
      config: { auth: true, authMayBeDeferred: true, csrf: true },
      // A logout with no body at all means this session.
      preValidation: emptyBodyAsObject,
      schema: {
        summary: 'Log out this device, the others, or all',
        tags: ['auth'],
        body: logoutBody,
        response: {
          200: {
            type: 'object',
            required: ['revoked'],
            properties: {
              revoked: { type: 'integer', description: 'How many sessions were ended.' },
              providerLogoutUrl: {
                type: 'string',
                description:
                  "When this device's session began with a sign-in at an identity provider whose `Logout` is on: the provider's logout page (OpenID Connect RP-Initiated Logout), to send the browser to. The jwtgate session has already ended; the provider sends the browser back to `<Web.PublicUrl>/`.",
              },
            },
            headers: {
              'Set-Cookie': {
                type: 'string',
                description: "Cookie mode: deletes the browser's refresh cookie when its session was ended.",
              },
            },
          },
          ...errorResponses,
        },
        errors: {
          ERR_REFRESH_TOKEN_INVALID:
            'without a valid access token: `refreshToken` is not a refresh token of this server (a forged or mangled one ends nothing)',
          ERR_STORE_UNAVAILABLE: 'or the session store cannot be reached to end sessions: none was ended',
        },
      },
    },
    async (request, reply) => {
      if (request.auth === null) return logoutWithRefreshToken(request, reply);
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
      return scope === 'others' ? { revoked } : loggedOut(request, claims.sid, revoked);
    },
  );

  /**
   * Logout for an API client whose access token has expired: a genuine refresh
   * token (its MAC verifies) proves a hold on its own session, which ends.
   * Even a spent one: presented to `/auth/refresh` it would end the session
   * as a reuse anyway. Nothing else is reachable this way.
   */
  async function logoutWithRefreshToken(
    request: FastifyRequest<{ Body: { scope: 'current' | 'others' | 'all'; refreshToken?: string } }>,
    reply: FastifyReply,
  ): Promise<{ revoked: number; providerLogoutUrl?: string }> {
    const { refreshToken, scope } = request.body;
    if (refreshToken === undefined || scope !== 'current') throw deferredAuthError(request);
    const fields = sessions.refreshTokens.parse(refreshToken);
    if (fields === null) throw new AuthError('ERR_REFRESH_TOKEN_INVALID', { reason: 'format' });
    const revoked = (await sessions.revoke(fields.sessionId, { reason: 'logout' })) ? 1 : 0;
    if (refreshCookie !== null && refreshCookie.sessionIdOf(request) === fields.sessionId) refreshCookie.clear(reply);
    return loggedOut(request, fields.sessionId, revoked);
  }

  for (const url of ['/auth/register', '/auth/login', '/auth/refresh', '/auth/logout']) {
    refuseOtherMethods(app, url, ['POST']);
  }
};
