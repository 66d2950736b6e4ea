import { changePassword, PASSWORD_MAX_LENGTH } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import { refuseOtherMethods } from '../method-not-allowed.js';
import { requireMfaIfEnrolled } from '../mfa-login.js';
import { claimsOf } from '../plugins/auth-guard.js';
import { clientInfo, type RouteDeps } from '../route-deps.js';
import { errorResponses } from '../schemas.js';

const passwordField = { type: 'string', maxLength: PASSWORD_MAX_LENGTH * 4 } as const;
/**
 * No length bound here: as at login, an over-long guess reaches the check,
 * which refuses it before hashing and counts it as a failed guess.
 */
const currentPasswordField = { type: 'string' } as const;

/** Password change for the signed-in user. */
export const passwordRoutes: FastifyPluginAsync<RouteDeps> = async (app, deps) => {
  app.post<{ Body: { currentPassword: string; newPassword: string } }>(
    '/auth/password',
    {
      config: { auth: true, csrf: true },
      schema: {
        summary: 'Change your password; your other sessions end',
        description:
          'The current password is checked as a login checks it, and guesses count against the same limits (`Login.MaxFailures`, `Login.MaxFailuresPerIp`). A user with a second factor needs an access token from a sign-in with it (step-up, RFC 9470). The session of this access token stays; every other session of the user ends at once.',
        tags: ['auth'],
        body: {
          type: 'object',
          required: ['currentPassword', 'newPassword'],
          additionalProperties: false,
          properties: { currentPassword: currentPasswordField, newPassword: passwordField },
        },
        response: {
          200: {
            type: 'object',
            required: ['revoked'],
            properties: { revoked: { type: 'integer', description: 'How many other sessions were ended.' } },
          },
          ...errorResponses,
        },
        errors: {
          ERR_WRONG_CURRENT_PASSWORD:
            '`currentPassword` is not the account’s password (403, not 401: the token is fine)',
          ERR_INVALID_PASSWORD: '`newPassword` has fewer than 8 or more than 1024 characters',
          ERR_COMMON_PASSWORD:
            '`newPassword` is one of the 100,000 most common passwords, in any letter case (`Passwords.RejectCommon`); checked before the current password, which counts no guess',
          ERR_PASSWORD_CONTAINS_CONTEXT:
            '`newPassword` is made of the account’s username or email address or the service’s words (`Passwords.ContextWords`); checked before the current password, which counts no guess',
          ERR_BREACHED_PASSWORD:
            '`newPassword` appears in Have I Been Pwned’s Pwned Passwords (`Passwords.BreachCheck`); checked before the current password, which counts no guess',
          ERR_BREACH_CHECK_UNAVAILABLE:
            'the Pwned Passwords range API gave no usable answer in time and `Passwords.BreachCheck.WhenUnavailable` is `refuse`; checked before the current password, which counts no guess',
          ERR_MALFORMED_PASSWORD:
            '`currentPassword` or `newPassword` has a lone UTF-16 surrogate (not well-formed Unicode); refused before anything is checked or counted',
          ERR_RATE_LIMITED:
            'too many failed logins or password changes for this account from this address, or from this address; checked before the password',
          ERR_TOKEN_REVOKED: 'the account was disabled or deleted meanwhile',
          ERR_INSUFFICIENT_AUTHENTICATION:
            'the user has a second factor and this access token is from a sign-in without it: sign in again with it (RFC 9470)',
          ERR_SERVER_BUSY: 'too many passwords are being checked at once (`Hashing.MaxQueue`); nothing was counted',
          ERR_STORE_UNAVAILABLE:
            'the database, or the session store, cannot be reached; retrying with the same passwords is safe',
        },
      },
    },
    async (request) => {
      const claims = claimsOf(request);
      const client = clientInfo(request);
      const who = { userId: claims.sub, sessionId: claims.sid, client };
      await requireMfaIfEnrolled(deps.mfa, claims);
      try {
        const { revokedSessions } = await changePassword(deps, {
          userId: claims.sub,
          sessionId: claims.sid,
          currentPassword: request.body.currentPassword,
          newPassword: request.body.newPassword,
          ip: client.ip,
        });
        deps.events?.passwordChanged({ ...who, revokedSessions });
        return { revoked: revokedSessions };
      } catch (error) {
        deps.events?.passwordChangeRefused({ ...who, error });
        throw error;
      }
    },
  );

  refuseOtherMethods(app, '/auth/password', ['POST']);
};
