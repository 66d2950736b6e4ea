import type { FastifyPluginAsync } from 'fastify';
import { DEFAULT_ACCOUNT_POLICY, type RouteDeps } from '../route-deps.js';
import { errorResponses } from '../schemas.js';

/** What a sign-in page needs to know before showing its forms. */
export const registrationSettingsRoutes: FastifyPluginAsync<Pick<RouteDeps, 'accounts'>> = async (app, deps) => {
  const accounts = deps.accounts ?? DEFAULT_ACCOUNT_POLICY;
  app.get(
    '/auth/settings',
    {
      schema: {
        summary: 'What this server lets people do before signing in',
        description:
          '`registrationOpen` is `Register.Enabled`: when `false`, the page hides sign-up and only an invitation lets someone register.',
        tags: ['auth'],
        response: {
          200: {
            type: 'object',
            required: ['registrationOpen'],
            properties: { registrationOpen: { type: 'boolean' } },
          },
          ...errorResponses,
        },
      },
    },
    async () => ({ registrationOpen: accounts.registrationOpen }),
  );
};
