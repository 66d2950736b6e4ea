import { AuthError, normaliseEmail, PASSWORD_MAX_LENGTH } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import type { MailRouteDeps } from '../mail-route-deps.js';
import { refuseOtherMethods } from '../method-not-allowed.js';
import { requireMfaIfEnrolled } from '../mfa-login.js';
import { claimsOf } from '../plugins/auth-guard.js';
import { clientInfo, type RouteDeps } from '../route-deps.js';
import { errorResponses } from '../schemas.js';
import { emailField } from './auth.js';

const linkToken = {
  type: 'string',
  maxLength: 200,
  description: 'The secret from the mailed link (the part after `=` in `#verify-email=…`).',
} as const;
const code = { type: 'string', pattern: '^[0-9]{6}$', description: 'The 6-digit code from the mail.' } as const;
const accepted = {
  type: 'object',
  required: ['accepted'],
  properties: { accepted: { type: 'boolean', const: true } },
} as const;
const addressState = {
  type: 'object',
  required: ['email', 'emailVerified'],
  properties: { email: { type: 'string' }, emailVerified: { type: 'boolean' } },
} as const;
const tokenRefused = {
  ERR_EMAIL_TOKEN_INVALID:
    'unknown, used, expired, of another purpose, or voided by a later password or address change (a code: wrong, or its 5 tries are spent)',
} as const;
const mailLimits =
  'too many requests for this address (`Mail.MaxPerAddress`) or from this address (`Mail.MaxPerIp`) in `Mail.Window`, whether or not an account has the address';

/** The answer of every request that may send mail: the same whether anything was sent. */
const ACCEPTED = { accepted: true } as const;

/**
 * Email verification and address change for the signed-in user, and
 * password reset for anyone who can read the account's mail. Mail goes
 * through the outbox: a request answers once its secret and mail are
 * stored, never waiting for SMTP.
 */
export const emailRoutes: FastifyPluginAsync<RouteDeps & { readonly mail: MailRouteDeps }> = async (app, deps) => {
  const { mail, events } = deps;
  const { flows, throttle } = mail;
  const mustSend = async () => {
    if (!mail.available) throw new AuthError('ERR_MAIL_UNAVAILABLE');
  };

  app.post(
    '/auth/email/verify/send',
    {
      config: { auth: true, csrf: true },
      preHandler: mustSend,
      schema: {
        summary: 'Mail a verification link and code to your address',
        description:
          'The link works once for `Mail.VerifyExpire`; the code works once too, for the signed-in user, with 5 tries. Nothing is sent when the address is verified already (`sent: false`).',
        tags: ['auth'],
        response: {
          202: {
            type: 'object',
            required: ['sent'],
            properties: { sent: { type: 'boolean', description: 'false: the address is verified already.' } },
          },
          ...errorResponses,
        },
        errors: {
          ERR_EMAIL_REQUIRED: 'the account has no email address',
          ERR_RATE_LIMITED: mailLimits,
          ERR_MAIL_UNAVAILABLE: 'production without `Mail.SmtpUrl`',
          ERR_STORE_UNAVAILABLE: 'the database cannot be reached; nothing was queued',
        },
      },
    },
    async (request, reply) => {
      const claims = claimsOf(request);
      await throttle.reserve('verify-email', `user:${claims.sub}`, clientInfo(request).ip);
      const sent = await flows.sendVerification(claims.sub);
      if (sent) mail.queued('verify-email');
      return reply.code(202).send({ sent });
    },
  );

  app.post<{ Body: { token?: string; code?: string } }>(
    '/auth/email/verify',
    {
      config: { csrf: true },
      // A code proves the address only together with the account it was mailed for.
      preHandler: (request, reply, done) => {
        if (request.body.code === undefined) done();
        else app.requireAuth.call(app, request, reply, done);
      },
      schema: {
        summary: 'Verify your address with the mailed link or code',
        description:
          '`{"token"}` from the link needs nothing else; `{"code"}` needs the access token of the account it was mailed for. A code, as the first proof of the address, ends every other session of the account; the link keeps the password and the sessions (docs/accounts.md).',
        tags: ['auth'],
        body: {
          type: 'object',
          additionalProperties: false,
          oneOf: [{ required: ['token'] }, { required: ['code'] }],
          properties: { token: linkToken, code },
        },
        response: { 200: addressState, ...errorResponses },
        errors: {
          ...tokenRefused,
          ERR_TOKEN_MISSING: 'a `code` without an access token',
          ERR_TOKEN_INVALID: 'with a `code`: the access token is malformed, forged or fails a check',
          ERR_TOKEN_EXPIRED: 'with a `code`: the access token has expired',
          ERR_TOKEN_REVOKED: 'with a `code`: the session of the access token has ended',
          ERR_RATE_LIMITED: 'too many links or codes presented from this address, or codes for this account',
          ERR_STORE_UNAVAILABLE: 'the database cannot be reached',
        },
      },
    },
    async (request) => {
      const { token, code: given } = request.body;
      const ip = clientInfo(request).ip;
      let user: Awaited<ReturnType<typeof flows.verifyByLink>>;
      if (token !== undefined) {
        await throttle.reserve('verify-link', null, ip);
        user = await flows.verifyByLink(token);
      } else {
        const claims = claimsOf(request);
        await throttle.reserve('verify-code', `user:${claims.sub}`, ip);
        user = await flows.verifyByCode(claims.sub, given as string, claims.sid);
      }
      return { email: user.email ?? '', emailVerified: user.emailVerifiedAt != null };
    },
  );

  app.post<{ Body: { email: string } }>(
    '/auth/password/forgot',
    {
      config: { csrf: true },
      preHandler: mustSend,
      schema: {
        summary: 'Ask for a password reset link',
        description:
          'Always 202 with the same body, after the same work, whether or not an account has the address, is verified or disabled: nobody learns from it which addresses have accounts. When an enabled account has it, a reset link valid for `Mail.ResetExpire` is mailed.',
        tags: ['auth'],
        body: { type: 'object', required: ['email'], additionalProperties: false, properties: { email: emailField } },
        response: { 202: accepted, ...errorResponses },
        errors: {
          ERR_INVALID_EMAIL: 'not one plain address (whether or not an account could have it)',
          ERR_RATE_LIMITED: mailLimits,
          ERR_MAIL_UNAVAILABLE: 'production without `Mail.SmtpUrl`',
          ERR_STORE_UNAVAILABLE: 'the database cannot be reached (for every address alike)',
        },
      },
    },
    async (request, reply) => {
      const { key } = normaliseEmail(request.body.email);
      await throttle.reserve('reset-password', key, clientInfo(request).ip);
      await flows.requestPasswordReset(request.body.email);
      mail.queued('reset-password');
      return reply.code(202).send(ACCEPTED);
    },
  );

  app.post<{ Body: { token: string; newPassword: string } }>(
    '/auth/password/reset',
    {
      config: { csrf: true },
      schema: {
        summary: 'Set a new password with a reset link',
        description:
          'Sets the password, marks the address verified (the mail proved it) and ends every session of the user at once, as a logout everywhere: their access tokens are refused from the next request. The link works once, and not after any later password change, reset or address change.',
        tags: ['auth'],
        body: {
          type: 'object',
          required: ['token', 'newPassword'],
          additionalProperties: false,
          properties: { token: linkToken, newPassword: { type: 'string', maxLength: PASSWORD_MAX_LENGTH * 4 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['revoked'],
            properties: { revoked: { type: 'integer', description: 'How many sessions were ended.' } },
          },
          ...errorResponses,
        },
        errors: {
          ...tokenRefused,
          ERR_INVALID_PASSWORD: '`newPassword` has fewer than 8 or more than 1024 characters; the link stays usable',
          ERR_COMMON_PASSWORD:
            '`newPassword` is one of the 100,000 most common passwords, in any letter case (`Passwords.RejectCommon`); the link stays usable',
          ERR_PASSWORD_CONTAINS_CONTEXT:
            '`newPassword` is made of the account’s username or email address or the service’s words (`Passwords.ContextWords`); the link stays usable',
          ERR_BREACHED_PASSWORD:
            '`newPassword` appears in Have I Been Pwned’s Pwned Passwords (`Passwords.BreachCheck`); the link stays usable',
          ERR_BREACH_CHECK_UNAVAILABLE:
            'the Pwned Passwords range API gave no usable answer in time and `Passwords.BreachCheck.WhenUnavailable` is `refuse`; the link stays usable',
          ERR_RATE_LIMITED: 'too many links presented from this address',
          ERR_SERVER_BUSY: 'too many passwords are being hashed at once (`Hashing.MaxQueue`)',
          ERR_STORE_UNAVAILABLE: 'the database or the session store cannot be reached',
        },
      },
    },
    async (request) => {
      const client = clientInfo(request);
      await throttle.reserve('reset-link', null, client.ip);
      const { user, revokedSessions } = await flows.resetPassword(request.body.token, request.body.newPassword);
      events?.passwordReset({ userId: user.id, revokedSessions, client });
      return { revoked: revokedSessions };
    },
  );

  app.post<{ Body: { newEmail: string; password: string } }>(
    '/auth/email/change',
    {
      config: { auth: true, csrf: true },
      preHandler: mustSend,
      schema: {
        summary: 'Change your address: a confirmation link goes to the new one',
        description:
          'The password is checked as a login checks it (same limits). A user with a second factor needs an access token from a sign-in with it (step-up, RFC 9470). A link valid for `Mail.ChangeExpire` goes to the new address and a notice to the old one; the address changes only when the link is followed (`POST /auth/email/change/confirm`), and until then login uses the old one.',
        tags: ['auth'],
        body: {
          type: 'object',
          required: ['newEmail', 'password'],
          additionalProperties: false,
          properties: { newEmail: emailField, password: { type: 'string' } },
        },
        response: { 202: accepted, ...errorResponses },
        errors: {
          ERR_INVALID_EMAIL: '`newEmail` is not one plain address',
          ERR_WRONG_CURRENT_PASSWORD: '`password` is not the account’s password',
          ERR_EMAIL_TAKEN: 'another account has the new address, or it is the current one',
          ERR_RATE_LIMITED:
            'too many wrong passwords (the login limits), or too many changes asked for this account or from this address',
          ERR_TOKEN_REVOKED: 'the account was disabled or deleted meanwhile',
          ERR_INSUFFICIENT_AUTHENTICATION:
            'the user has a second factor and this access token is from a sign-in without it: sign in again with it (RFC 9470)',
          ERR_SERVER_BUSY: 'too many passwords are being checked at once (`Hashing.MaxQueue`)',
          ERR_MAIL_UNAVAILABLE: 'production without `Mail.SmtpUrl`',
          ERR_STORE_UNAVAILABLE: 'the database cannot be reached; nothing was queued',
        },
      },
    },
    async (request, reply) => {
      const claims = claimsOf(request);
      const ip = clientInfo(request).ip;
      // The address receives resets and emailed sign-ins: changing it asks for every factor, as the password does.
      await requireMfaIfEnrolled(deps.mfa, claims);
      await throttle.reserve('change-email', `user:${claims.sub}`, ip);
      await flows.requestEmailChange({
        userId: claims.sub,
        newEmail: request.body.newEmail,
        password: request.body.password,
        ip,
      });
      mail.queued('change-email');
      return reply.code(202).send(ACCEPTED);
    },
  );

  app.post<{ Body: { token: string } }>(
    '/auth/email/change/confirm',
    {
      config: { csrf: true },
      schema: {
        summary: 'Confirm a new address with the link mailed to it',
        description: 'The account takes the new address, verified. The link works once.',
        tags: ['auth'],
        body: { type: 'object', required: ['token'], additionalProperties: false, properties: { token: linkToken } },
        response: { 200: addressState, ...errorResponses },
        errors: {
          ...tokenRefused,
          ERR_EMAIL_TAKEN: 'another account took the address meanwhile',
          ERR_RATE_LIMITED: 'too many links presented from this address',
          ERR_STORE_UNAVAILABLE: 'the database cannot be reached',
        },
      },
    },
    async (request) => {
      const client = clientInfo(request);
      await throttle.reserve('change-link', null, client.ip);
      const user = await flows.confirmEmailChange(request.body.token);
      events?.emailChanged({ userId: user.id, client });
      return { email: user.email ?? '', emailVerified: user.emailVerifiedAt != null };
    },
  );

  for (const url of [
    '/auth/email/verify/send',
    '/auth/email/verify',
    '/auth/password/forgot',
    '/auth/password/reset',
    '/auth/email/change',
    '/auth/email/change/confirm',
  ]) {
    refuseOtherMethods(app, url, ['POST']);
  }
};
