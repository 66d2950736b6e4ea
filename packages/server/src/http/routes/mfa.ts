import {
  AuthError,
  assertAuthentication,
  changeCredentials,
  checkSecondFactor,
  confirmTotpEnrolment,
  hashRecoveryCode,
  isAuthError,
  newRecoveryCodes,
  passkeyAmr,
  type SecondFactorMethod,
  startTotpEnrolment,
  type UserRecord,
} from '@jwtgate/core';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { FastifyPluginAsync } from 'fastify';
import { renderSVG } from 'uqr';
import { finishLogin } from '../finish-login.js';
import { refuseOtherMethods } from '../method-not-allowed.js';
import {
  challengeUser,
  enrolledFactors,
  enrolmentCredentialsChanged,
  factorAddedBySession,
  lastFactorNeedsPassword,
  type MfaRouteDeps,
  openChallenge,
  pausedLoginCarry,
  standingSession,
} from '../mfa-login.js';
import { throttledAssertion } from '../passkey-assertion.js';
import { assertionCredentialSchema } from '../passkey-schemas.js';
import { assertPausedLoginCookie, pausedLoginCookieErrors, pausedLoginTokenResponse } from '../paused-login-answer.js';
import { claimsOf } from '../plugins/auth-guard.js';
import { assertAddressProven } from '../proven-address.js';
import { reauthErrors, reauthenticate } from '../reauthenticate.js';
import { type CookieRouteDeps, clientInfo } from '../route-deps.js';
import { errorResponses, tokenResponseSchema } from '../schemas.js';

const mfaTokenField = { type: 'string', maxLength: 128, description: 'The `mfaToken` of the paused login.' } as const;
const codeField = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  description: 'The six digits the authenticator app shows, or, with `"method": "recovery"`, a recovery code.',
} as const;
/** As at login: an over-long guess reaches the check, which refuses it before hashing and counts it. */
const passwordField = { type: 'string', description: 'The account’s password, checked as a login checks it.' } as const;

const enrolmentSchema = {
  title: 'TotpEnrolment',
  type: 'object',
  required: ['secret', 'otpauthUri', 'qrSvg'],
  properties: {
    secret: { type: 'string', description: 'The secret in base32, for typing into an app by hand. Shown only now.' },
    otpauthUri: { type: 'string', description: 'The `otpauth://totp/…` URI the QR code holds.' },
    qrSvg: { type: 'string', description: 'The QR code as an SVG document, made here: no image from elsewhere.' },
  },
} as const;

const recoveryCodesSchema = {
  type: 'array',
  items: { type: 'string' },
  description: '10 single-use recovery codes, shown only now (only their hashes are kept).',
} as const;

const statusSchema = {
  type: 'object',
  required: ['totp', 'recoveryCodesLeft', 'passkeys', 'methods'],
  properties: {
    totp: { type: 'boolean', description: 'Whether an authenticator app is set up.' },
    recoveryCodesLeft: { type: 'integer' },
    passkeys: { type: 'integer', description: 'How many passkeys are registered (`GET /auth/passkeys` lists them).' },
    methods: { type: 'array', items: { type: 'string' }, description: 'What a login can finish with.' },
  },
} as const;

const notConfigured = {
  ERR_MFA_NOT_CONFIGURED: 'second factors are off: no `Mfa.EncryptionKey` in production',
} as const;
const storeDown = { ERR_STORE_UNAVAILABLE: 'the database cannot be reached; nothing changed' } as const;
const throttled = {
  ERR_RATE_LIMITED:
    'too many wrong codes for this user (`Mfa.MaxFailures` per `Mfa.FailureWindow`, `Mfa.MaxFailuresPerDay`), from any address',
} as const;

/** The refusal of a second step that lacks what its method needs. */
function missing(field: 'code' | 'credential'): AuthError {
  return new AuthError('ERR_VALIDATION', {
    reason: `${field}-missing`,
    message: field === 'code' ? 'Send code with totp and recovery' : 'Send credential with webauthn',
  });
}

/** The QR code of an otpauth URI, as a self-contained SVG document. */
function qrSvgOf(uri: string): string {
  return renderSVG(uri, { ecc: 'M', border: 2 });
}

/**
 * Second factors: the status, setting up and removing an authenticator app,
 * recovery codes, and the second step of a login (`/auth/mfa/verify`, and
 * the set-up a role that needs a factor goes through first).
 */
export const mfaRoutes: FastifyPluginAsync<CookieRouteDeps> = async (app, deps) => {
  const { events } = deps;

  function mfaOf(): MfaRouteDeps {
    if (deps.mfa === undefined) throw new AuthError('ERR_MFA_NOT_CONFIGURED');
    return deps.mfa;
  }

  /**
   * A factor set up or removed is a credential change, made through the one
   * way every credential change goes (`changeCredentials`): the user's
   * credential version rises and their sessions end, but `keepSessionId`,
   * the session that made the change after proving the password or a code.
   * Returns the user at their new version.
   */
  async function credentialsChanged(userId: string, keepSessionId?: string): Promise<UserRecord> {
    const changed = await changeCredentials(
      deps,
      userId,
      {},
      {
        reason: 'credentials-changed',
        actor: { kind: 'self' },
        ...(keepSessionId === undefined ? {} : { keepSessionId }),
      },
    );
    if (changed === null) throw new AuthError('ERR_TOKEN_REVOKED', { reason: 'user-deleted' });
    return changed.user;
  }

  app.get(
    '/auth/mfa',
    {
      config: { auth: true },
      schema: {
        summary: 'Your second factors',
        tags: ['mfa'],
        response: { 200: statusSchema, ...errorResponses },
        errors: { ...notConfigured, ...storeDown },
      },
    },
    async (request) => enrolledFactors(mfaOf(), claimsOf(request).sub),
  );

  app.post<{ Body: { password: string } }>(
    '/auth/mfa/totp/enroll',
    {
      config: { auth: true, csrf: true },
      schema: {
        summary: 'Start setting up an authenticator app',
        description:
          'Checks the password as a login does (and, when the account has an address, that it is verified), then returns a new secret, its otpauth URI and a QR code. Nothing is on until `POST /auth/mfa/totp/confirm`; starting again replaces an unconfirmed secret.',
        tags: ['mfa'],
        body: {
          type: 'object',
          required: ['password'],
          additionalProperties: false,
          properties: { password: passwordField },
        },
        response: { 200: enrolmentSchema, ...errorResponses },
        errors: {
          ...reauthErrors,
          ERR_MFA_ALREADY_ENABLED: 'an authenticator app is set up already; remove it first',
          ERR_EMAIL_NOT_VERIFIED:
            'the account has an address that is not verified yet: whoever registered it may not own it, so no app is set up until the link or code mailed to it (or a reset) proves it',
          ...notConfigured,
          ...storeDown,
        },
      },
    },
    async (request) => {
      const mfa = mfaOf();
      const user = await reauthenticate(deps, request, { password: request.body.password });
      await assertAddressProven(deps.users, user.id, 'authenticator-app');
      const enrolment = await startTotpEnrolment(mfa, { userId: user.id, account: user.username, issuer: mfa.issuer });
      return { ...enrolment, qrSvg: qrSvgOf(enrolment.otpauthUri) };
    },
  );

  app.post<{ Body: { code: string } }>(
    '/auth/mfa/totp/confirm',
    {
      config: { auth: true, csrf: true },
      schema: {
        summary: 'Turn the authenticator app on with a code it shows',
        description:
          'Returns 10 single-use recovery codes, the only time they can be read. Logins from now on need a code. This session keeps the sign-in it had: the routes that need a second factor ask for a new sign-in with it.',
        tags: ['mfa'],
        body: {
          type: 'object',
          required: ['code'],
          additionalProperties: false,
          properties: { code: codeField },
        },
        response: {
          200: { type: 'object', required: ['recoveryCodes'], properties: { recoveryCodes: recoveryCodesSchema } },
          ...errorResponses,
        },
        errors: {
          ERR_MFA_CODE_INVALID: 'the code is not the one the app shows now',
          ERR_MFA_NOT_ENROLLING: 'no set-up was started, or another request finished it meanwhile',
          ERR_MFA_ALREADY_ENABLED: 'an authenticator app is on already',
          ERR_TOKEN_REVOKED:
            'the session has ended (asked of the store), or the password changed while the app was being turned on (it is then off again)',
          ...throttled,
          ...notConfigured,
          ...storeDown,
        },
      },
    },
    async (request) => {
      const mfa = mfaOf();
      const claims = claimsOf(request);
      const client = clientInfo(request);
      const session = await standingSession(deps.sessions, claims);
      let recoveryCodes: readonly string[];
      try {
        ({ recoveryCodes } = await confirmTotpEnrolment(mfa, { userId: claims.sub, code: request.body.code }));
      } catch (error) {
        events?.mfaFailed({ userId: claims.sub, error, client });
        throw error;
      }
      events?.mfaChanged({ change: 'enrolled', userId: claims.sub, client });
      // A credential change: the user's other sessions end; this one, which proved the password, stays,
      // unless the password changed meanwhile: then the app goes again.
      await factorAddedBySession(deps, session, async () => {
        await mfa.factors.removeFactor(claims.sub, { kind: 'totp' }, { keepOne: false });
        events?.mfaChanged({ change: 'removed', userId: claims.sub, client });
      });
      return { recoveryCodes };
    },
  );

  app.delete<{ Body: { password?: string; code?: string; method?: SecondFactorMethod } }>(
    '/auth/mfa/totp',
    {
      config: { auth: true, csrf: true },
      schema: {
        summary: 'Turn the authenticator app off',
        description:
          'Needs an access token from a sign-in with the second factor (step-up, RFC 9470), and the password or a code checked again. A code is enough only while a passkey stays: turning off the last second factor needs the password, which alone guards the account afterwards (decided in one atomic step with the removal, so a passkey deleted meanwhile cannot leave the user with none). The recovery codes go with it.',
        tags: ['mfa'],
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            password: passwordField,
            code: codeField,
            method: { type: 'string', enum: ['totp', 'recovery'], default: 'totp' },
          },
        },
        response: { 204: { type: 'null', description: 'The second factor is off.' }, ...errorResponses },
        errors: {
          ERR_INSUFFICIENT_AUTHENTICATION:
            'the access token is from a sign-in without the second factor: sign in again with it (`WWW-Authenticate` carries `acr_values`)',
          ERR_MFA_NOT_ENABLED: 'no authenticator app is on',
          ...reauthErrors,
          ERR_REAUTHENTICATION_FAILED: `${reauthErrors.ERR_REAUTHENTICATION_FAILED}; or a code alone for the last second factor, which needs the password`,
          ...notConfigured,
          ...storeDown,
        },
      },
    },
    async (request, reply) => {
      const mfa = mfaOf();
      const claims = claimsOf(request);
      const { password, code, method } = request.body;
      if ((password === undefined) === (code === undefined)) {
        throw new AuthError('ERR_VALIDATION', { reason: 'password-or-code', message: 'Send either password or code' });
      }
      const enrolled = await enrolledFactors(mfa, claims.sub);
      if (!enrolled.totp) throw new AuthError('ERR_MFA_NOT_ENABLED');
      assertAuthentication(claims, { requireMfa: true }, mfa.clock.now());
      // Refused before the code is spent; the store's own count below is what holds under concurrency.
      if (password === undefined && enrolled.passkeys === 0) throw lastFactorNeedsPassword();
      const user = await reauthenticate(deps, request, {
        ...(password === undefined ? {} : { password }),
        ...(code === undefined ? {} : { code, method: method ?? 'totp' }),
      });
      // With a code only, the app goes only if a passkey stays, decided in one step with the deletion.
      const removal = await mfa.factors.removeFactor(user.id, { kind: 'totp' }, { keepOne: password === undefined });
      if (removal === 'last-factor') throw lastFactorNeedsPassword();
      if (removal === 'not-found') throw new AuthError('ERR_MFA_NOT_ENABLED', { reason: 'raced' });
      events?.mfaChanged({ change: 'removed', userId: user.id, client: clientInfo(request) });
      await credentialsChanged(user.id, claims.sid);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { password: string } }>(
    '/auth/mfa/recovery-codes',
    {
      config: { auth: true, csrf: true },
      schema: {
        summary: 'Replace your recovery codes with 10 new ones',
        description:
          'Needs an access token from a sign-in with the second factor and the password checked again. Every old code stops working.',
        tags: ['mfa'],
        body: {
          type: 'object',
          required: ['password'],
          additionalProperties: false,
          properties: { password: passwordField },
        },
        response: {
          200: { type: 'object', required: ['recoveryCodes'], properties: { recoveryCodes: recoveryCodesSchema } },
          ...errorResponses,
        },
        errors: {
          ERR_INSUFFICIENT_AUTHENTICATION: 'the access token is from a sign-in without the second factor',
          ERR_MFA_NOT_ENABLED: 'no authenticator app is on',
          ...reauthErrors,
          ...notConfigured,
          ...storeDown,
        },
      },
    },
    async (request) => {
      const mfa = mfaOf();
      const claims = claimsOf(request);
      const { totp } = await mfa.factors.get(claims.sub);
      if (totp === null || totp.confirmedAt === null) throw new AuthError('ERR_MFA_NOT_ENABLED');
      assertAuthentication(claims, { requireMfa: true }, mfa.clock.now());
      const user = await reauthenticate(deps, request, { password: request.body.password });
      const recoveryCodes = newRecoveryCodes();
      const hashes = recoveryCodes.map((code) => hashRecoveryCode(user.id, code.replaceAll('-', '')));
      if (!(await mfa.factors.replaceRecoveryCodes(user.id, hashes, mfa.clock.now()))) {
        throw new AuthError('ERR_MFA_NOT_ENABLED', { reason: 'raced' });
      }
      events?.mfaChanged({ change: 'recovery-codes-renewed', userId: user.id, client: clientInfo(request) });
      return { recoveryCodes };
    },
  );

  app.post<{
    Body: {
      mfaToken: string;
      method: SecondFactorMethod | 'webauthn';
      code?: string;
      credential?: AuthenticationResponseJSON;
    };
  }>(
    '/auth/mfa/verify',
    {
      config: { csrf: true },
      schema: {
        summary: 'Finish a login with a second factor',
        description:
          'Answers exactly like `POST /auth/login` (the same device label, the same cookie mode), with `amr` `["pwd","otp","mfa"]` in the tokens (with a passkey: `["pwd","hwk"|"swk","mfa"]`, and `user` when the authenticator verified the user). `code` goes with `totp` and `recovery`; `credential`, the answer to `POST /auth/mfa/webauthn/options`, with `webauthn`. A wrong code can be tried again with the same mfaToken, within the limits; the mfaToken finishes one login only, and presented from another network or browser than the login’s it is spent.',
        tags: ['mfa'],
        body: {
          type: 'object',
          required: ['mfaToken', 'method'],
          additionalProperties: false,
          properties: {
            mfaToken: mfaTokenField,
            method: { type: 'string', enum: ['totp', 'recovery', 'webauthn'] },
            code: codeField,
            credential: assertionCredentialSchema,
          },
        },
        response: {
          200: pausedLoginTokenResponse,
          ...errorResponses,
        },
        errors: {
          ERR_MFA_TOKEN_INVALID: 'unknown, spent, expired (5 minutes), or presented from another network or browser',
          ERR_MFA_CODE_INVALID: 'a wrong code, or one already used (each code works once)',
          ERR_PASSKEY_INVALID:
            'the passkey’s answer could not be verified (a spent or foreign challenge, another origin, a bad signature, a passkey of someone else, or a counter that did not move forward: a cloned authenticator, an alert)',
          ERR_PASSKEYS_NOT_CONFIGURED: '`"method": "webauthn"` while no relying party is configured',
          ...pausedLoginCookieErrors,
          ...throttled,
          ...notConfigured,
          ...storeDown,
        },
      },
    },
    async (request, reply) => {
      const mfa = mfaOf();
      const client = clientInfo(request);
      let userId: string | undefined;
      try {
        const challenge = await openChallenge(mfa, { token: request.body.mfaToken, purpose: 'verify', client });
        userId = challenge.userId;
        assertPausedLoginCookie(request, deps, challenge);
        const user = await challengeUser(mfa, deps.users, challenge);
        const { method, code, credential } = request.body;
        let amr: readonly string[];
        if (method === 'webauthn') {
          if (credential === undefined) throw missing('credential');
          if (mfa.passkeys === undefined) throw new AuthError('ERR_PASSKEYS_NOT_CONFIGURED');
          const { passkey, userVerified } = await throttledAssertion(
            { passkeys: mfa.passkeys, throttle: mfa.throttle, events },
            {
              subject: user.id,
              ceremony: { purpose: 'second-factor', userId: user.id, loginChallengeId: challenge.id },
              response: credential,
              client,
            },
          );
          amr = passkeyAmr({ deviceType: passkey.deviceType, userVerified, after: challenge.amr });
        } else {
          if (code === undefined) throw missing('code');
          const result = await checkSecondFactor(mfa, { userId: user.id, method, code });
          if (result.recoveryCodesLeft !== undefined) {
            events?.recoveryCodeUsed({ userId: user.id, recoveryCodesLeft: result.recoveryCodesLeft, client });
          }
          amr = [...new Set([...challenge.amr, ...result.amr, 'mfa'])];
        }
        // The one login this challenge finishes: of concurrent right answers, one wins.
        if (!(await mfa.challenges.consume(challenge.id, mfa.clock.now()))) {
          throw new AuthError('ERR_MFA_TOKEN_INVALID', { reason: 'spent' });
        }
        return await finishLogin(deps, reply, {
          user,
          device: challenge.device,
          cookie: challenge.cookie,
          client,
          amr,
          authTime: challenge.authTime,
          started: pausedLoginCarry(deps, challenge, request.log),
        });
      } catch (error) {
        const about = userId ?? (isAuthError(error) ? error.userId : undefined);
        if (about !== undefined) events?.mfaFailed({ userId: about, error, client });
        throw error;
      }
    },
  );

  app.post<{ Body: { mfaToken: string } }>(
    '/auth/mfa/enrollment/totp',
    {
      config: { csrf: true },
      schema: {
        summary: 'Set up an authenticator app during a login that requires one',
        description:
          'For a login answered with `"enrollmentRequired": true` (the role needs a second factor, `Mfa.RequiredForRoles`): the mfaToken stands in for the password, already checked. Finish with `POST /auth/mfa/enrollment/totp/confirm`. A passkey can be added instead (`POST /auth/mfa/enrollment/passkey/options`).',
        tags: ['mfa'],
        body: {
          type: 'object',
          required: ['mfaToken'],
          additionalProperties: false,
          properties: { mfaToken: mfaTokenField },
        },
        response: { 200: enrolmentSchema, ...errorResponses },
        errors: {
          ERR_MFA_TOKEN_INVALID:
            'unknown, spent, expired, not one for setting up, or presented from elsewhere; or the password changed since it was checked (the factor is then not kept)',
          ERR_MFA_ALREADY_ENABLED: 'an authenticator app is set up already: sign in again and use it',
          ...notConfigured,
          ...storeDown,
        },
      },
    },
    async (request) => {
      const mfa = mfaOf();
      const challenge = await openChallenge(mfa, {
        token: request.body.mfaToken,
        purpose: 'enroll',
        client: clientInfo(request),
      });
      const user = await challengeUser(mfa, deps.users, challenge);
      const enrolment = await startTotpEnrolment(mfa, { userId: user.id, account: user.username, issuer: mfa.issuer });
      return { ...enrolment, qrSvg: qrSvgOf(enrolment.otpauthUri) };
    },
  );

  app.post<{ Body: { mfaToken: string; code: string } }>(
    '/auth/mfa/enrollment/totp/confirm',
    {
      config: { csrf: true },
      schema: {
        summary: 'Turn the app on and finish the login that required it',
        description:
          'Returns the recovery codes (the only time they can be read) together with the tokens of the login, signed in with both factors.',
        tags: ['mfa'],
        body: {
          type: 'object',
          required: ['mfaToken', 'code'],
          additionalProperties: false,
          properties: { mfaToken: mfaTokenField, code: codeField },
        },
        response: {
          200: {
            ...tokenResponseSchema,
            title: 'TokenResponseWithRecoveryCodes',
            required: [...tokenResponseSchema.required, 'recoveryCodes'],
            properties: { ...tokenResponseSchema.properties, recoveryCodes: recoveryCodesSchema },
            headers: pausedLoginTokenResponse.headers,
          },
          ...errorResponses,
        },
        errors: {
          ERR_MFA_TOKEN_INVALID:
            'unknown, spent, expired, not one for setting up, or presented from elsewhere; or the password changed since it was checked (the factor is then not kept)',
          ERR_MFA_CODE_INVALID: 'the code is not the one the app shows now',
          ERR_MFA_NOT_ENROLLING: 'no set-up was started with this mfaToken, or it was finished meanwhile',
          ERR_MFA_ALREADY_ENABLED: 'an authenticator app is on already',
          ...pausedLoginCookieErrors,
          ...throttled,
          ...notConfigured,
          ...storeDown,
        },
      },
    },
    async (request, reply) => {
      const mfa = mfaOf();
      const client = clientInfo(request);
      const challenge = await openChallenge(mfa, { token: request.body.mfaToken, purpose: 'enroll', client });
      assertPausedLoginCookie(request, deps, challenge);
      const user = await challengeUser(mfa, deps.users, challenge);
      let recoveryCodes: readonly string[];
      try {
        ({ recoveryCodes } = await confirmTotpEnrolment(mfa, { userId: user.id, code: request.body.code }));
      } catch (error) {
        events?.mfaFailed({ userId: user.id, error, client });
        throw error;
      }
      events?.mfaChanged({ change: 'enrolled', userId: user.id, client });
      if (!(await mfa.challenges.consume(challenge.id, mfa.clock.now()))) {
        // The app is on; only this login is over. The next one asks for a code.
        throw new AuthError('ERR_MFA_TOKEN_INVALID', { reason: 'spent' });
      }
      // A new factor is a credential change: any older session of the user ends.
      const changed = await enrolmentCredentialsChanged(deps, challenge, async () => {
        await mfa.factors.removeFactor(user.id, { kind: 'totp' }, { keepOne: false });
        events?.mfaChanged({ change: 'removed', userId: user.id, client });
      });
      const tokens = await finishLogin(deps, reply, {
        user: changed,
        device: challenge.device,
        cookie: challenge.cookie,
        client,
        amr: [...new Set([...challenge.amr, 'otp', 'mfa'])],
        authTime: challenge.authTime,
        started: pausedLoginCarry(deps, challenge, request.log),
      });
      return { ...tokens, recoveryCodes };
    },
  );

  refuseOtherMethods(app, '/auth/mfa/totp', ['DELETE']);
  for (const url of [
    '/auth/mfa/totp/enroll',
    '/auth/mfa/totp/confirm',
    '/auth/mfa/recovery-codes',
    '/auth/mfa/verify',
    '/auth/mfa/enrollment/totp',
    '/auth/mfa/enrollment/totp/confirm',
  ]) {
    refuseOtherMethods(app, url, ['POST']);
  }
};
