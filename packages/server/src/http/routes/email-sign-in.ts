import { AuthError, type EmailSignIn, normaliseEmail } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import { assertCookieLoginAllowed, finishFirstFactor, loginAnswerSchema } from '../first-factor-login.js';
import type { MailRouteDeps } from '../mail-route-deps.js';
import { refuseOtherMethods } from '../method-not-allowed.js';
import { type CookieRouteDeps, clientInfo } from '../route-deps.js';
import { errorResponses } from '../schemas.js';
import { emailField, sessionFields } from './auth.js';

const passwordRemovedField = {
  passwordRemoved: {
    type: 'boolean',
    enum: [true],
    description:
      'Present (`true`) only when this sign-in was the first proof of the address and the account had a password, chosen before anyone proved the mailbox: that password no longer works. Tell the user, and offer to set one (`POST /auth/password/forgot` mails a link). Only the holder of the mailbox, now signed in, ever sees it (docs/accounts.md).',
  },
} as const;

/** The login answer, either shape, with {@link passwordRemovedField}. */
const emailSignInAnswerSchema = {
  ...loginAnswerSchema,
  anyOf: loginAnswerSchema.anyOf.map((shape) => ({
    ...shape,
    title: `EmailSignIn${shape.title}`,
    properties: { ...shape.properties, ...passwordRemovedField },
  })),
} as const;

/**
 * Sign-in by email (`Auth.EmailSignIn`): a mailed link or code, presented
 * once within `Mail.SignInExpire`, starts a session exactly as a password
 * login does (device label, cookie mode, session limits, the same answer).
 */
export const emailSignInRoutes: FastifyPluginAsync<CookieRouteDeps & { readonly mail: MailRouteDeps }> = async (
  app,
  deps,
) => {
  const { mail } = deps;

  app.post<{ Body: { email: string } }>(
    '/auth/email/sign-in',
    {
      config: { csrf: true },
      preHandler: async () => {
        if (!mail.available) throw new AuthError('ERR_MAIL_UNAVAILABLE');
      },
      schema: {
        summary: 'Ask for a sign-in link and code by mail',
        description:
          'Always 202 with the same body, after the same work, whether or not an enabled account has the address. When one has, a link and a 6-digit code valid for `Mail.SignInExpire` are mailed.',
        tags: ['auth'],
        body: { type: 'object', required: ['email'], additionalProperties: false, properties: { email: emailField } },
        response: {
          202: { type: 'object', required: ['accepted'], properties: { accepted: { type: 'boolean', const: true } } },
          ...errorResponses,
        },
        errors: {
          ERR_INVALID_EMAIL: 'not one plain address (whether or not an account could have it)',
          ERR_RATE_LIMITED:
            'too many requests for this address (`Mail.MaxPerAddress`) or from this address (`Mail.MaxPerIp`) in `Mail.Window`, whether or not an account has the address',
          ERR_MAIL_UNAVAILABLE: 'production without `Mail.SmtpUrl`',
          ERR_STORE_UNAVAILABLE: 'the database cannot be reached (for every address alike)',
        },
      },
    },
    async (request, reply) => {
      const { key } = normaliseEmail(request.body.email);
      await mail.throttle.reserve('sign-in', key, clientInfo(request).ip);
      await mail.flows.requestSignIn(request.body.email);
      mail.queued('sign-in');
      return reply.code(202).send({ accepted: true });
    },
  );

  app.post<{
    Body: { token?: string; email?: string; code?: string; device?: string; cookie: boolean };
  }>(
    '/auth/email/sign-in/verify',
    {
      config: { csrf: true },
      schema: {
        summary: 'Sign in with the mailed link or code',
        description:
          '`{"token"}` from the link, or `{"email", "code"}`. Starts a session like `POST /auth/login` and answers the same way (a user with a second factor gets `mfaRequired` and an mfaToken for `POST /auth/mfa/verify`); the address counts as verified. When that is the first proof of the address, every other session of the account ends and the password chosen before stops working (docs/accounts.md). A code takes 5 tries.',
        tags: ['auth'],
        body: {
          type: 'object',
          additionalProperties: false,
          oneOf: [{ required: ['token'] }, { required: ['email', 'code'] }],
          properties: {
            token: { type: 'string', maxLength: 200, description: 'The secret from the mailed link.' },
            email: emailField,
            code: { type: 'string', pattern: '^[0-9]{6}$' },
            ...sessionFields,
          },
        },
        response: {
          200: emailSignInAnswerSchema,
          ...errorResponses,
        },
        errors: {
          ERR_EMAIL_TOKEN_INVALID:
            'unknown, used, expired or of another purpose; a code: wrong, or its 5 tries are spent; the account was disabled',
          ERR_COOKIE_MODE_DISABLED: '`"cookie": true` while `Cookie.Mode` is `off`',
          ERR_ORIGIN_NOT_ALLOWED: 'with `"cookie": true`, also when `Origin` is missing',
          ERR_CSRF_HEADER_MISSING: 'with `"cookie": true`, also without the refresh cookie',
          ERR_RATE_LIMITED: 'too many links or codes presented for this address or from this address',
          ERR_STORE_UNAVAILABLE: 'the database, or Redis, cannot be reached',
        },
      },
    },
    async (request, reply) => {
      const { token, email, code, device, cookie } = request.body;
      assertCookieLoginAllowed(deps, request, cookie);
      const client = clientInfo(request);
      let signedIn: EmailSignIn;
      if (token !== undefined) {
        await mail.throttle.reserve('sign-in-link', null, client.ip);
        signedIn = await mail.flows.signIn({ token });
      } else {
        let key: string;
        try {
          key = normaliseEmail(email).key;
        } catch {
          throw new AuthError('ERR_EMAIL_TOKEN_INVALID', { reason: 'malformed' });
        }
        await mail.throttle.reserve('sign-in-code', key, client.ip);
        signedIn = await mail.flows.signIn({ email: email as string, code: code as string });
      }
      const { user, passwordRemoved } = signedIn;
      // The mailed secret is a first factor, a one-time password (RFC 8176 `otp`): a second factor still applies.
      const amr = ['otp'];
      const answer = await finishFirstFactor(deps, reply, { user, device: device ?? null, cookie, client, amr });
      // Told only to whoever holds the mailbox and is now signed in as the account: no one else learns of it.
      return passwordRemoved ? { ...answer, passwordRemoved } : answer;
    },
  );

  for (const url of ['/auth/email/sign-in', '/auth/email/sign-in/verify']) refuseOtherMethods(app, url, ['POST']);
};
