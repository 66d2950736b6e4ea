import { DEFAULT_ROLE, INVITATION_LIST_MAX_LIMIT, type InvitationStatus, ROLE_PATTERN } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import { createInvitation } from '../../accounts/create-invitation.js';
import { listInvitations } from '../../accounts/list-invitations.js';
import { revokeInvitation } from '../../accounts/revoke-invitation.js';
import { adminErrors, adminOnly, createReportLateRefusal, createRequireAdmin } from '../admin-access.js';
import type { InvitationRouteDeps } from '../invitation-route-deps.js';
import { invitationSchema, invitationStatuses, invitationView } from '../invitation-view.js';
import { claimsOf } from '../plugins/auth-guard.js';
import { clientInfo, DEFAULT_ACCOUNT_POLICY, type RouteDeps } from '../route-deps.js';
import { errorResponses } from '../schemas.js';
import { emailField } from './auth.js';

/**
 * Invitations for administrators: make one (mailed through the outbox, or
 * its link answered when this server sends no mail), list them, revoke a
 * pending one. The link's secret is answered at most once, at creation and
 * only without mail; lists never carry it. Every creation and revocation is
 * audited, done or failed.
 */
export const adminInvitationRoutes: FastifyPluginAsync<
  RouteDeps & { readonly invitations: InvitationRouteDeps }
> = async (app, deps) => {
  const { invitations, clock, events } = deps;
  const ttlSec = (deps.accounts ?? DEFAULT_ACCOUNT_POLICY).invitationTtlSec;
  app.addHook('onRequest', app.requireAuth);
  app.addHook('onRequest', createRequireAdmin(deps));
  app.addHook('onError', createReportLateRefusal(deps));

  app.post<{ Body: { email: string; role: string } }>(
    '/admin/invitations',
    {
      schema: {
        ...adminOnly,
        summary: 'Invite someone to register: one account, with this address and role',
        description:
          'The invitation works once, for `Register.InvitationTtl`, whether `Register.Enabled` is on or off. When this server sends mail, the link goes to the address through the outbox and is not answered; otherwise (`mailed: false`) the answer carries the `link`, once, for the administrator to pass on. The link opens the page at `/` (`#invitation=…`). Any role may be given, `admin` too: an administrator can already make any account one (`PATCH /admin/users/{id}`).',
        errors: {
          ...adminErrors,
          ERR_INVALID_EMAIL: 'not one plain address',
          ERR_EMAIL_TAKEN: 'an account has this address already',
        },
        body: {
          type: 'object',
          required: ['email'],
          additionalProperties: false,
          properties: {
            email: emailField,
            role: {
              type: 'string',
              pattern: ROLE_PATTERN.source,
              default: DEFAULT_ROLE,
              description: `The new account's role; \`${DEFAULT_ROLE}\` when omitted.`,
            },
          },
        },
        response: {
          201: {
            type: 'object',
            required: ['invitation', 'mailed'],
            properties: {
              invitation: invitationSchema,
              mailed: { type: 'boolean', description: 'Whether the link was queued in the mail outbox.' },
              link: {
                type: 'string',
                description:
                  'Only when `mailed` is `false`: the link to pass on. It is not kept and never shown again.',
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const actor = { kind: 'admin', id: claimsOf(request).sub } as const;
      const made = await createInvitation(
        { invitations, users: deps.users, clock, ttlSec, events },
        request.body.email,
        request.body.role,
        actor,
        clientInfo(request),
      );
      return reply.code(201).send({ ...made, invitation: invitationView(made.invitation, clock.now()) });
    },
  );

  app.get<{ Querystring: { status?: InvitationStatus; limit: number; cursor?: string } }>(
    '/admin/invitations',
    {
      schema: {
        ...adminOnly,
        summary: 'List invitations, newest first, page by page, optionally of one status',
        description:
          'Pass `nextCursor` as `cursor` (with the same `status`) for the next page; it is `null` on the last one. Never the link.',
        errors: { ...adminErrors, ERR_INVALID_CURSOR: '`cursor` is not a `nextCursor` this server answered with' },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...invitationStatuses] },
            limit: { type: 'integer', minimum: 1, maximum: INVITATION_LIST_MAX_LIMIT, default: 20 },
            cursor: { type: 'string', minLength: 1, maxLength: 1024, description: "The previous page's `nextCursor`." },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['invitations', 'nextCursor'],
            properties: {
              invitations: { type: 'array', items: invitationSchema },
              nextCursor: { type: ['string', 'null'] },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const now = clock.now();
      const page = await listInvitations(invitations.store, { now, ...request.query });
      return {
        invitations: page.invitations.map((invitation) => invitationView(invitation, now)),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/admin/invitations/:id',
    {
      schema: {
        ...adminOnly,
        summary: 'Revoke a pending invitation: its link stops working at once',
        errors: {
          ...adminErrors,
          ERR_INVITATION_NOT_FOUND: 'no pending invitation has this id (used, expired, revoked or unknown)',
        },
        params: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: {
          200: { type: 'object', required: ['invitation'], properties: { invitation: invitationSchema } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const actor = { kind: 'admin', id: claimsOf(request).sub } as const;
      const revoked = await revokeInvitation(
        { invitations, clock, events },
        request.params.id,
        actor,
        clientInfo(request),
      );
      return { invitation: invitationView(revoked, clock.now()) };
    },
  );
};
