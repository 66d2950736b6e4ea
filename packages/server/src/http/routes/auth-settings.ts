import type { FastifyPluginAsync } from 'fastify';
import { DEFAULT_ACCOUNT_POLICY, type RouteDeps } from '../route-deps.js';
import { errorResponses } from '../schemas.js';

/**
 * What a sign-in page needs to know of this server before it draws its
 * forms: whether an address is required at sign-up, and which mailed flows
 * work. Only switches from the configuration, nothing about any account,
 * so it is public and the same for everyone.
 */
export const authSettingsRoutes: FastifyPluginAsync<RouteDeps> = async (app, deps) => {
  const mail = deps.mail?.available ?? false;
  const settings = {
    requireEmail: deps.emailPolicy?.requireEmail ?? false,
    mail,
    emailSignIn: mail && (deps.mail?.signIn ?? false),
    registrationOpen: (deps.accounts ?? DEFAULT_ACCOUNT_POLICY).registrationOpen,
    passkeys: deps.mfa?.passkeys !== undefined,
  };

  app.get(
    '/auth/settings',
    {
      schema: {
        summary: 'The sign-up and sign-in options of this server',
        description:
          'For sign-in pages: whether anyone may register (`Register.Enabled`), whether `POST /auth/register` needs an `email` (`Auth.RequireEmail`), whether mail can be sent (password reset, verification, address change), whether sign-in by email is on (`Auth.EmailSignIn`), and whether passkeys work (a relying party is configured). The same answer for every caller.',
        tags: ['auth'],
        response: {
          200: {
            type: 'object',
            required: ['requireEmail', 'mail', 'emailSignIn', 'passkeys', 'registrationOpen'],
            additionalProperties: false,
            properties: {
              requireEmail: { type: 'boolean', description: '`Auth.RequireEmail`: sign-up needs an address.' },
              mail: {
                type: 'boolean',
                description:
                  'Mail can be sent: `POST /auth/password/forgot`, `/auth/email/verify/send` and `/auth/email/change` work.',
              },
              emailSignIn: { type: 'boolean', description: '`POST /auth/email/sign-in` works.' },
              registrationOpen: {
                type: 'boolean',
                description:
                  '`Register.Enabled`: anyone may register; when `false`, `POST /auth/register` needs an invitation and the page hides sign-up.',
              },
              passkeys: {
                type: 'boolean',
                description: 'Passkeys work: `POST /auth/passkeys/login/options` and the rest (`Mfa.RpId`).',
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return settings;
    },
  );
};
