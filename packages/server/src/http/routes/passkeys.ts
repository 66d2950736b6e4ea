import {
  AuthError,
  assertAuthentication,
  changeCredentials,
  clientNetwork,
  confirmPassword,
  type Passkey,
  passkeyAmr,
} from '@jwtgate/core';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { assertionOptions } from '../../passkeys/assert-passkey.js';
import { registerPasskey, registrationOptions } from '../../passkeys/register-passkey.js';
import { finishLogin } from '../finish-login.js';
import { assertCookieLoginAllowed } from '../first-factor-login.js';
import { refuseOtherMethods } from '../method-not-allowed.js';
import {
  challengeUser,
  enrolledFactors,
  enrolmentCredentialsChanged,
  factorAddedBySession,
  lastFactorNeedsPassword,
  type MfaRouteDeps,
  openChallenge,
  type PasskeyRouteDeps,
  pausedLoginCarry,
  requireMfaIfEnrolled,
  standingSession,
} from '../mfa-login.js';
import { throttledAssertion } from '../passkey-assertion.js';
import {
  assertionCredentialSchema,
  creationOptionsSchema,
  passkeyNameField,
  passkeySchema,
  registrationCredentialSchema,
  requestOptionsSchema,
} from '../passkey-schemas.js';
import { assertPausedLoginCookie, pausedLoginCookieErrors, pausedLoginTokenResponse } from '../paused-login-answer.js';
import { claimsOf } from '../plugins/auth-guard.js';
import { assertAddressProven } from '../proven-address.js';
import { reauthErrors, reauthenticateIfPasswordSet } from '../reauthenticate.js';
import { type CookieRouteDeps, clientInfo } from '../route-deps.js';
import { errorResponses, tokenResponseSchema } from '../schemas.js';
import { emptyBodyAsObject, sessionFields } from './auth.js';

/**
 * How recent a sign-in must be to add or delete a passkey: whoever picks up
 * an unattended, long-open session (or holds a stolen refresh token) cannot
 * slip in a key of their own, nor strip the owner's keys and, through the
 * credential change, sign the owner out everywhere else (OWASP ASVS 5.0
 * 7.5.1: a change of second factors needs a fresh authentication). RFC 9470
 * `max_age`, so the client knows to sign in again.
 */
export const CHANGE_PASSKEYS_MAX_AUTH_AGE_SEC = 600;

/** Passwordless challenges anyone may ask for, per network and minute: each is a row until it expires. */
export const SIGN_IN_OPTIONS_PER_MINUTE = 60;

const passkeyIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 342, pattern: '^[A-Za-z0-9_-]+$' } },
} as const;

const offErrors = {
  ERR_MFA_NOT_CONFIGURED: 'second factors are off: no `Mfa.EncryptionKey` in production',
  ERR_PASSKEYS_NOT_CONFIGURED: 'no relying party: set `Mfa.RpId` (and `Mfa.RpOrigins`) or `Web.PublicUrl`',
  ERR_STORE_UNAVAILABLE: 'the database (or Redis) cannot be reached; nothing changed',
} as const;

const invalidPasskey =
  'the answer could not be verified: an unknown, spent, expired or foreign challenge, another origin or RP id, a bad signature, an unknown credential, no user verification where it is required, or a counter that did not move forward (a cloned authenticator: an alert)';

/** The owner's view of a passkey: no key material. */
function publicPasskey(passkey: Passkey) {
  return {
    id: passkey.id,
    name: passkey.name,
    deviceType: passkey.deviceType,
    backedUp: passkey.backedUp,
    transports: passkey.transports,
    createdAt: new Date(passkey.createdAt).toISOString(),
    lastUsedAt: passkey.lastUsedAt === null ? null : new Date(passkey.lastUsedAt).toISOString(),
  };
}

/**
 * Passkeys: registering (signed in, recently), listing, renaming and
 * deleting them, and signing in with one and no password. The second step
 * of a paused login with a passkey is `POST /auth/mfa/webauthn/options`
 * here, then `POST /auth/mfa/verify`.
 */
export const passkeyRoutes: FastifyPluginAsync<CookieRouteDeps> = async (app, deps) => {
  const { events } = deps;

  function passkeysOf(): { readonly mfa: MfaRouteDeps; readonly passkeys: PasskeyRouteDeps } {
    if (deps.mfa === undefined) throw new AuthError('ERR_MFA_NOT_CONFIGURED');
    if (deps.mfa.passkeys === undefined) throw new AuthError('ERR_PASSKEYS_NOT_CONFIGURED');
    return { mfa: deps.mfa, passkeys: deps.mfa.passkeys };
  }

  /** Adding a key needs a recent sign-in, one with a second factor when the user has one, and a proven address. */
  async function assertMayAdd(request: FastifyRequest, mfa: MfaRouteDeps): Promise<void> {
    const claims = claimsOf(request);
    assertAuthentication(claims, { maxAuthAgeSec: CHANGE_PASSKEYS_MAX_AUTH_AGE_SEC }, mfa.clock.now());
    await requireMfaIfEnrolled(mfa, claims);
    await assertAddressProven(deps.users, claims.sub, 'passkey');
  }

  /** A factor added or removed is a credential change: the user's other sessions end, this one stays. */
  async function credentialsChanged(userId: string, keepSessionId: string): Promise<void> {
    const changed = await changeCredentials(
      deps,
      userId,
      {},
      { reason: 'credentials-changed', actor: { kind: 'self' }, keepSessionId },
    );
    if (changed === null) throw new AuthError('ERR_TOKEN_REVOKED', { reason: 'user-deleted' });
  }

  const mayAddErrors = {
    ERR_INSUFFICIENT_AUTHENTICATION: `the sign-in is older than ${CHANGE_PASSKEYS_MAX_AUTH_AGE_SEC / 60} minutes, or was without the second factor the user has: sign in again (\`WWW-Authenticate\` says which)`,
    ERR_EMAIL_NOT_VERIFIED:
      'the account has an address that is not verified yet: whoever registered it may not own it, so no passkey is added until the link or code mailed to it (or a reset) proves it',
  } as const;

  app.get(
    '/auth/passkeys',
    {
      config: { auth: true },
      schema: {
        summary: 'Your passkeys',
        tags: ['mfa'],
        response: {
          200: {
            type: 'object',
            required: ['passkeys'],
            properties: { passkeys: { type: 'array', items: passkeySchema } },
          },
          ...errorResponses,
        },
        errors: offErrors,
      },
    },
    async (request) => {
      const { passkeys } = passkeysOf();
      return { passkeys: (await passkeys.passkeys.list(claimsOf(request).sub)).map(publicPasskey) };
    },
  );

  app.post<{ Body: { password?: string } }>(
    '/auth/passkeys/register/options',
    {
      config: { auth: true, csrf: true },
      preValidation: emptyBodyAsObject,
      schema: {
        summary: 'Start registering a passkey',
        description: `Needs the password, checked again as a login checks it (as setting up an authenticator app does), when the account has one; an account without a password (passwordless, or signed in through a provider only) shows nothing more. Needs as well a sign-in at most ${CHANGE_PASSKEYS_MAX_AUTH_AGE_SEC / 60} minutes old (and with the second factor, when the user has one), and a verified address when the account has one. Returns the options for \`navigator.credentials.create()\`: a discoverable credential, no attestation, the user's passkeys excluded. Its challenge, handed out only after these checks, is the only one \`POST /auth/passkeys/register/verify\` accepts: finish with it within 5 minutes.`,
        tags: ['mfa'],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            password: {
              type: 'string',
              description: 'The account’s password, checked as a login checks it. Required when the account has one.',
            },
          },
        },
        response: { 200: creationOptionsSchema, ...errorResponses },
        errors: {
          ...mayAddErrors,
          ...reauthErrors,
          ERR_REAUTHENTICATION_FAILED:
            'the password is wrong, or missing while the account has one (403, not 401: the token is fine); a wrong one counts as a failed login',
          ERR_RATE_LIMITED: 'too many failed password checks for this account or address (`Login.MaxFailures`)',
          ...offErrors,
        },
      },
    },
    async (request) => {
      const { mfa, passkeys } = passkeysOf();
      // The cheap checks first: a stale sign-in is sent to sign in again before a password is counted.
      await assertMayAdd(request, mfa);
      // ASVS 5.0: adding a way in needs the password again, so a stolen fresh token alone cannot plant a key.
      const user = await reauthenticateIfPasswordSet(deps, request, request.body.password);
      return registrationOptions(passkeys, { user, existing: await passkeys.passkeys.list(user.id) });
    },
  );

  app.post<{ Body: { credential: RegistrationResponseJSON; name?: string } }>(
    '/auth/passkeys/register/verify',
    {
      config: { auth: true, csrf: true },
      schema: {
        summary: 'Finish registering a passkey',
        description:
          'Checks the authenticator’s answer (challenge, origin, RP id, user presence) and keeps the passkey. From now on a password login asks for a second factor, which the passkey can be; and it signs in without a password. A credential change: the user’s other sessions end, this one stays.',
        tags: ['mfa'],
        body: {
          type: 'object',
          required: ['credential'],
          additionalProperties: false,
          properties: { credential: registrationCredentialSchema, name: passkeyNameField },
        },
        response: { 200: passkeySchema, ...errorResponses },
        errors: {
          ERR_PASSKEY_INVALID: `${invalidPasskey}; or a credential registered already`,
          ...mayAddErrors,
          ERR_TOKEN_REVOKED:
            'the session has ended (asked of the store, so also a revocation not yet heard of here), the account was disabled or deleted, or the password changed while the passkey was being added (it is then not kept)',
          ...offErrors,
        },
      },
    },
    async (request) => {
      const { mfa, passkeys } = passkeysOf();
      const claims = claimsOf(request);
      const client = clientInfo(request);
      await assertMayAdd(request, mfa);
      // A passkey signs in alone: it must rest on a session that still stands, asked of the store.
      const session = await standingSession(deps.sessions, claims);
      let passkey: Passkey;
      try {
        ({ passkey } = await registerPasskey(passkeys, {
          userId: claims.sub,
          response: request.body.credential,
          name: request.body.name ?? 'Passkey',
        }));
      } catch (error) {
        events?.mfaFailed({ userId: claims.sub, error, client });
        throw error;
      }
      events?.mfaChanged({ change: 'enrolled', method: 'webauthn', userId: claims.sub, client });
      await factorAddedBySession(deps, session, async () => {
        await mfa.factors.removeFactor(claims.sub, { kind: 'passkey', id: passkey.id }, { keepOne: false });
        events?.mfaChanged({ change: 'removed', method: 'webauthn', userId: claims.sub, client });
      });
      return publicPasskey(passkey);
    },
  );

  app.patch<{ Params: { id: string }; Body: { name: string } }>(
    '/auth/passkeys/:id',
    {
      config: { auth: true, csrf: true },
      schema: {
        summary: 'Rename a passkey',
        tags: ['mfa'],
        params: passkeyIdParams,
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: passkeyNameField },
        },
        response: { 204: { type: 'null', description: 'Renamed.' }, ...errorResponses },
        errors: { ERR_PASSKEY_NOT_FOUND: 'you have no passkey with this id', ...offErrors },
      },
    },
    async (request, reply) => {
      const { passkeys } = passkeysOf();
      if (!(await passkeys.passkeys.rename(claimsOf(request).sub, request.params.id, request.body.name))) {
        throw new AuthError('ERR_PASSKEY_NOT_FOUND');
      }
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: { id: string }; Body: { password?: string } }>(
    '/auth/passkeys/:id',
    {
      config: { auth: true, csrf: true },
      preValidation: emptyBodyAsObject,
      schema: {
        summary: 'Delete a passkey',
        description: `Needs an access token from a sign-in with a second factor at most ${CHANGE_PASSKEYS_MAX_AUTH_AGE_SEC / 60} minutes old (step-up, RFC 9470: \`max_age\`, \`acr_values\`). Deleting the last second factor (no other passkey, no authenticator app) also needs the password, as turning the app off then does. Whether it is the last is decided in one atomic step with the deletion: of concurrent deletions without the password, one is refused rather than leave no factor. A credential change: the user’s other sessions end, this one stays.`,
        tags: ['mfa'],
        params: passkeyIdParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            password: { type: 'string', description: 'Required when this is the last second factor.' },
          },
        },
        response: { 204: { type: 'null', description: 'The passkey is gone.' }, ...errorResponses },
        errors: {
          ERR_PASSKEY_NOT_FOUND: 'you have no passkey with this id',
          ERR_INSUFFICIENT_AUTHENTICATION: `the access token is from a sign-in without a second factor, or one older than ${CHANGE_PASSKEYS_MAX_AUTH_AGE_SEC / 60} minutes: sign in again (\`WWW-Authenticate\` says which)`,
          ERR_REAUTHENTICATION_FAILED: 'the last second factor, and the password is missing or wrong',
          ERR_MALFORMED_PASSWORD: 'the password has a lone UTF-16 surrogate; refused before it is checked',
          ERR_RATE_LIMITED: 'too many failed password checks (`Login.MaxFailures`)',
          ERR_SERVER_BUSY: 'too many passwords are being checked at once (`Hashing.MaxQueue`)',
          ERR_TOKEN_REVOKED: 'the account was disabled or deleted meanwhile',
          ...offErrors,
        },
      },
    },
    async (request, reply) => {
      const { mfa, passkeys } = passkeysOf();
      const claims = claimsOf(request);
      const client = clientInfo(request);
      const own = (await passkeys.passkeys.list(claims.sub)).some((passkey) => passkey.id === request.params.id);
      if (!own) throw new AuthError('ERR_PASSKEY_NOT_FOUND');
      assertAuthentication(
        claims,
        { requireMfa: true, maxAuthAgeSec: CHANGE_PASSKEYS_MAX_AUTH_AGE_SEC },
        mfa.clock.now(),
      );
      const factor = { kind: 'passkey', id: request.params.id } as const;
      // The store counts what would be left and deletes in one step: of concurrent deletions, one finds itself last.
      let removal = await mfa.factors.removeFactor(claims.sub, factor, { keepOne: true });
      if (removal === 'last-factor') {
        const password = request.body.password;
        if (password === undefined) throw lastFactorNeedsPassword();
        await confirmPassword(deps, { userId: claims.sub, password, ip: client.ip });
        removal = await mfa.factors.removeFactor(claims.sub, factor, { keepOne: false });
      }
      if (removal !== 'removed') throw new AuthError('ERR_PASSKEY_NOT_FOUND');
      events?.mfaChanged({ change: 'removed', method: 'webauthn', userId: claims.sub, client });
      await credentialsChanged(claims.sub, claims.sid);
      return reply.code(204).send();
    },
  );

  app.post(
    '/auth/passkeys/login/options',
    {
      config: { csrf: true },
      schema: {
        summary: 'Start signing in with a passkey, without a password',
        description: `Returns the options for \`navigator.credentials.get()\`: no username and no credential list (the authenticator offers the passkeys it holds for this site), user verification required. Finish with \`POST /auth/passkeys/login/verify\` within 5 minutes. At most ${SIGN_IN_OPTIONS_PER_MINUTE} a minute from one network.`,
        tags: ['auth'],
        response: { 200: requestOptionsSchema, ...errorResponses },
        errors: {
          ERR_RATE_LIMITED: `more than ${SIGN_IN_OPTIONS_PER_MINUTE} challenges a minute from this network`,
          ...offErrors,
        },
      },
    },
    async (request) => {
      const { passkeys } = passkeysOf();
      const cancel = await passkeys.signInOptionsThrottle.reserve(clientInfo(request).ip);
      try {
        return await assertionOptions(passkeys, { purpose: 'sign-in' }, []);
      } catch (error) {
        await cancel().catch(() => {});
        throw error;
      }
    },
  );

  app.post<{ Body: { credential: AuthenticationResponseJSON; device?: string; cookie: boolean } }>(
    '/auth/passkeys/login/verify',
    {
      config: { csrf: true },
      schema: {
        summary: 'Sign in with a passkey',
        description:
          'Checks the authenticator’s answer to `POST /auth/passkeys/login/options` (user verification required) and answers exactly like a login, with `amr` `["hwk"|"swk","user","mfa"]`: a passkey that verified its user is two factors. Whether the credential is unknown, its user gone, or its signature wrong, the answer is the same. Wrong answers count per network (`Mfa.MaxFailures`).',
        tags: ['auth'],
        body: {
          type: 'object',
          required: ['credential'],
          additionalProperties: false,
          properties: { credential: assertionCredentialSchema, ...sessionFields },
        },
        response: {
          200: {
            ...tokenResponseSchema,
            headers: {
              'Set-Cookie': { type: 'string', description: 'With `"cookie": true`: the refresh cookie.' },
            },
          },
          ...errorResponses,
        },
        errors: {
          ERR_PASSKEY_INVALID: `${invalidPasskey}; or its account is disabled or deleted`,
          ERR_EMAIL_NOT_VERIFIED: 'with `Auth.RequireVerifiedEmail`, the address is not verified yet',
          ERR_COOKIE_MODE_DISABLED: '`"cookie": true` while `Cookie.Mode` is `off`',
          ERR_ORIGIN_NOT_ALLOWED: 'with `"cookie": true`, also when `Origin` is missing',
          ERR_CSRF_HEADER_MISSING: 'with `"cookie": true`, also without the refresh cookie',
          ERR_RATE_LIMITED: 'too many wrong answers from this network (`Mfa.MaxFailures` per `Mfa.FailureWindow`)',
          ...offErrors,
        },
      },
    },
    async (request, reply) => {
      const { passkeys } = passkeysOf();
      const { credential, device, cookie } = request.body;
      assertCookieLoginAllowed(deps, request, cookie);
      const client = clientInfo(request);
      let verified: Awaited<ReturnType<typeof throttledAssertion>>;
      try {
        verified = await throttledAssertion(
          { passkeys, throttle: passkeys.signInThrottle, events },
          {
            subject: `passkey-network:${client.ip === null ? 'unknown' : clientNetwork(client.ip)}`,
            ceremony: { purpose: 'sign-in' },
            response: credential,
            client,
          },
        );
      } catch (error) {
        const userId = error instanceof AuthError ? error.userId : undefined;
        if (userId !== undefined) events?.mfaFailed({ userId, error, client });
        throw error;
      }
      const { passkey, userVerified } = verified;
      const user = await deps.users.findById(passkey.userId);
      if (user === null || user.disabled) {
        throw new AuthError('ERR_PASSKEY_INVALID', { reason: 'user-gone', userId: passkey.userId });
      }
      if (deps.emailPolicy?.requireVerifiedEmail === true && user.email != null && user.emailVerifiedAt == null) {
        throw new AuthError('ERR_EMAIL_NOT_VERIFIED');
      }
      // Not finishFirstFactor: a passkey that verified its user is already two factors, and pauses for none.
      return finishLogin(deps, reply, {
        user,
        device: device ?? null,
        cookie,
        client,
        amr: passkeyAmr({ deviceType: passkey.deviceType, userVerified }),
      });
    },
  );

  app.post<{ Body: { mfaToken: string } }>(
    '/auth/mfa/webauthn/options',
    {
      config: { csrf: true },
      schema: {
        summary: 'Start the second step of a login with a passkey',
        description:
          'For a login answered with `mfaRequired` whose `methods` include `webauthn`: returns the options for `navigator.credentials.get()` listing the user’s passkeys. Send the answer to `POST /auth/mfa/verify` with `"method": "webauthn"` and the same mfaToken.',
        tags: ['mfa'],
        body: {
          type: 'object',
          required: ['mfaToken'],
          additionalProperties: false,
          properties: {
            mfaToken: { type: 'string', maxLength: 128, description: 'The `mfaToken` of the paused login.' },
          },
        },
        response: { 200: requestOptionsSchema, ...errorResponses },
        errors: {
          ERR_MFA_TOKEN_INVALID: 'unknown, spent, expired (5 minutes), or presented from another network or browser',
          ERR_MFA_NOT_ENABLED: 'the user has no passkey',
          ...offErrors,
        },
      },
    },
    async (request) => {
      const { mfa, passkeys } = passkeysOf();
      const challenge = await openChallenge(mfa, {
        token: request.body.mfaToken,
        purpose: 'verify',
        client: clientInfo(request),
      });
      const user = await challengeUser(mfa, deps.users, challenge);
      const allowed = await passkeys.passkeys.list(user.id);
      if (allowed.length === 0) throw new AuthError('ERR_MFA_NOT_ENABLED', { reason: 'no-passkey' });
      return assertionOptions(
        passkeys,
        { purpose: 'second-factor', userId: user.id, loginChallengeId: challenge.id },
        allowed,
      );
    },
  );

  const enrolmentTokenField = {
    type: 'string',
    maxLength: 128,
    description: 'The `mfaToken` of the login answered with `"enrollmentRequired": true`.',
  } as const;
  const enrolmentTokenErrors = {
    ERR_MFA_TOKEN_INVALID:
      'unknown, spent, expired (5 minutes), not one for setting up, or presented from elsewhere; or the password changed since it was checked (the factor is then not kept)',
    ERR_MFA_ALREADY_ENABLED: 'a second factor is set up already: sign in again and use it',
    ERR_EMAIL_NOT_VERIFIED:
      'the account has an address that is not verified yet: whoever registered it may not own it, so the login adds no passkey until the link or code mailed to it (or a reset, `POST /auth/password/forgot`) proves it',
  } as const;

  /**
   * The paused login an enrolment mfaToken stands for, and its user, as long
   * as the user still has no second factor: the token stands in for a
   * password only, so it may set up a first factor and nothing more.
   */
  async function enrolment(mfa: MfaRouteDeps, request: FastifyRequest, token: string) {
    const challenge = await openChallenge(mfa, { token, purpose: 'enroll', client: clientInfo(request) });
    const user = await challengeUser(mfa, deps.users, challenge);
    if ((await enrolledFactors(mfa, user.id)).methods.length > 0) {
      throw new AuthError('ERR_MFA_ALREADY_ENABLED', { reason: 'enrolled-meanwhile' });
    }
    // The paused login's password may be a squatter's, as a signed-in user's may be.
    await assertAddressProven(deps.users, user.id, 'passkey');
    return { challenge, user };
  }

  app.post<{ Body: { mfaToken: string } }>(
    '/auth/mfa/enrollment/passkey/options',
    {
      config: { csrf: true },
      schema: {
        summary: 'Start adding a passkey during a login that requires a second factor',
        description:
          'For a login answered with `"enrollmentRequired": true` (the role needs a second factor, `Mfa.RequiredForRoles`), beside `POST /auth/mfa/enrollment/totp`: the mfaToken stands in for the password, already checked. Returns the options for `navigator.credentials.create()`, bound to this login: finish with `POST /auth/mfa/enrollment/passkey/verify` and the same mfaToken within 5 minutes.',
        tags: ['mfa'],
        body: {
          type: 'object',
          required: ['mfaToken'],
          additionalProperties: false,
          properties: { mfaToken: enrolmentTokenField },
        },
        response: { 200: creationOptionsSchema, ...errorResponses },
        errors: { ...enrolmentTokenErrors, ...offErrors },
      },
    },
    async (request) => {
      const { mfa, passkeys } = passkeysOf();
      const { challenge, user } = await enrolment(mfa, request, request.body.mfaToken);
      return registrationOptions(passkeys, {
        user,
        existing: await passkeys.passkeys.list(user.id),
        loginChallengeId: challenge.id,
      });
    },
  );

  app.post<{ Body: { mfaToken: string; credential: RegistrationResponseJSON; name?: string } }>(
    '/auth/mfa/enrollment/passkey/verify',
    {
      config: { csrf: true },
      schema: {
        summary: 'Add the passkey and finish the login that required a second factor',
        description:
          'Checks the authenticator’s answer to `POST /auth/mfa/enrollment/passkey/options` (for this mfaToken only), keeps the passkey and answers exactly like a login, signed in with both factors: `amr` `["pwd","hwk"|"swk","mfa"]`, with `user` when the authenticator verified its user. A new factor is a credential change: any older session of the user ends. The mfaToken finishes one login only.',
        tags: ['mfa'],
        body: {
          type: 'object',
          required: ['mfaToken', 'credential'],
          additionalProperties: false,
          properties: {
            mfaToken: enrolmentTokenField,
            credential: registrationCredentialSchema,
            name: passkeyNameField,
          },
        },
        response: {
          200: pausedLoginTokenResponse,
          ...errorResponses,
        },
        errors: {
          ...enrolmentTokenErrors,
          ERR_PASSKEY_INVALID: `${invalidPasskey}; or a credential registered already, or a challenge of another login or of a signed-in registration`,
          ...pausedLoginCookieErrors,
          ERR_TOKEN_REVOKED: 'the account was deleted meanwhile',
          ...offErrors,
        },
      },
    },
    async (request, reply) => {
      const { mfa, passkeys } = passkeysOf();
      const client = clientInfo(request);
      const { challenge, user } = await enrolment(mfa, request, request.body.mfaToken);
      assertPausedLoginCookie(request, deps, challenge);
      let registered: Awaited<ReturnType<typeof registerPasskey>>;
      try {
        registered = await registerPasskey(passkeys, {
          userId: user.id,
          response: request.body.credential,
          name: request.body.name ?? 'Passkey',
          loginChallengeId: challenge.id,
        });
      } catch (error) {
        events?.mfaFailed({ userId: user.id, error, client });
        throw error;
      }
      events?.mfaChanged({ change: 'enrolled', method: 'webauthn', userId: user.id, client });
      if (!(await mfa.challenges.consume(challenge.id, mfa.clock.now()))) {
        // The passkey is kept; only this login is over. The next one asks for it.
        throw new AuthError('ERR_MFA_TOKEN_INVALID', { reason: 'spent' });
      }
      const { passkey, userVerified } = registered;
      // A new factor is a credential change: any older session of the user ends.
      const changed = await enrolmentCredentialsChanged(deps, challenge, async () => {
        await mfa.factors.removeFactor(user.id, { kind: 'passkey', id: passkey.id }, { keepOne: false });
        events?.mfaChanged({ change: 'removed', method: 'webauthn', userId: user.id, client });
      });
      return finishLogin(deps, reply, {
        user: changed,
        device: challenge.device,
        cookie: challenge.cookie,
        client,
        amr: passkeyAmr({ deviceType: passkey.deviceType, userVerified, after: challenge.amr }),
        authTime: challenge.authTime,
        started: pausedLoginCarry(deps, challenge, request.log),
      });
    },
  );

  refuseOtherMethods(app, '/auth/passkeys/:id', ['PATCH', 'DELETE']);
  for (const url of [
    '/auth/passkeys/register/options',
    '/auth/passkeys/register/verify',
    '/auth/passkeys/login/options',
    '/auth/passkeys/login/verify',
    '/auth/mfa/webauthn/options',
    '/auth/mfa/enrollment/passkey/options',
    '/auth/mfa/enrollment/passkey/verify',
  ]) {
    refuseOtherMethods(app, url, ['POST']);
  }
};
