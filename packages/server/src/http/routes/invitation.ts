import { openInvitation } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import type { InvitationRouteDeps } from '../invitation-route-deps.js';
import { clientInfo, type RouteDeps } from '../route-deps.js';
import { errorResponses } from '../schemas.js';

/**
 * What an invitation link is for, so that the page can show the sign-up
 * form with the invited address before anything is registered. Uses nothing
 * up. The secret travels in the body (never in a URL, which logs keep).
 * Every secret presented counts against the client's network before it is
 * looked up, as the emailed links do; past the limit, 429 whatever the
 * secret, and a refused secret gets one answer whatever the reason.
 */
export const invitationRoutes: FastifyPluginAsync<RouteDeps & { readonly invitations: InvitationRouteDeps }> = async (
  app,
  deps,
) => {
  app.post<{ Body: { invitation: string } }>(
    '/auth/invitation',
    {
      schema: {
        summary: 'Look at an invitation before registering with it',
        description:
          'Answers the invited address and until when the invitation works; register with `POST /auth/register` and `invitation`. Works whether `Register.Enabled` is on or off. Every secret presented, right or wrong, counts against the client address (`Mail.MaxPerIp` per `Mail.Window`).',
        tags: ['auth'],
        errors: {
          ERR_INVITATION_INVALID:
            'never issued, used, revoked or expired, or its administrator has since been demoted, disabled or deleted (one answer for all, so nothing about other invitations can be learnt)',
          ERR_RATE_LIMITED: 'too many invitation secrets presented from this address',
          ERR_STORE_UNAVAILABLE: 'the database cannot be reached',
        },
        body: {
          type: 'object',
          required: ['invitation'],
          additionalProperties: false,
          properties: { invitation: { type: 'string', maxLength: 128, description: 'The secret of the link.' } },
        },
        response: {
          200: {
            type: 'object',
            required: ['email', 'expiresAt'],
            properties: {
              email: { type: 'string', description: 'The address the account will have, verified.' },
              expiresAt: { type: 'string', format: 'date-time' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { store, secrets, linkThrottle } = deps.invitations;
      await linkThrottle.reserve('invitation-link', null, clientInfo(request).ip);
      const invitation = await openInvitation(
        { store, secrets, clock: deps.clock, users: deps.users },
        request.body.invitation,
      );
      return { email: invitation.email, expiresAt: new Date(invitation.expiresAt).toISOString() };
    },
  );
};
