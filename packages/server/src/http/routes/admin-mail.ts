import type { EmailStore, MailStatus } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import { adminErrors, adminOnly, createRequireAdmin } from '../admin-access.js';
import type { RouteDeps } from '../route-deps.js';
import { errorResponses } from '../schemas.js';

const statuses: readonly MailStatus[] = ['pending', 'sending', 'sent', 'failed'];

/** The mail outbox for administrators: what is queued, sent, and what failed for good. Never a mail's contents. */
export const adminMailRoutes: FastifyPluginAsync<RouteDeps & { readonly emailStore: EmailStore }> = async (
  app,
  deps,
) => {
  app.addHook('onRequest', app.requireAuth);
  app.addHook('onRequest', createRequireAdmin(deps));

  app.get<{ Querystring: { status?: MailStatus; limit: number } }>(
    '/admin/mail',
    {
      schema: {
        ...adminOnly,
        summary: 'List queued mails, newest first, optionally of one status',
        description:
          'Recipient, kind, status, attempts and the last SMTP error code; never the contents (they are dropped once a mail is sent or has failed). `failed` mails gave up after `Mail.MaxAttempts` attempts.',
        errors: adminErrors,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...statuses] },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['mails'],
            properties: {
              mails: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'kind', 'recipient', 'status', 'attempts', 'createdAt', 'nextAttemptAt'],
                  properties: {
                    id: { type: 'string' },
                    userId: { type: ['string', 'null'] },
                    kind: { type: 'string' },
                    recipient: { type: 'string' },
                    status: { type: 'string', enum: [...statuses] },
                    attempts: { type: 'integer' },
                    createdAt: { type: 'string', format: 'date-time' },
                    nextAttemptAt: { type: 'string', format: 'date-time' },
                    sentAt: { type: ['string', 'null'], format: 'date-time' },
                    lastError: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { status, limit } = request.query;
      const mails = await deps.emailStore.listMail({ limit, ...(status === undefined ? {} : { status }) });
      const iso = (ms: number) => new Date(ms).toISOString();
      return {
        mails: mails.map((mail) => ({
          ...mail,
          createdAt: iso(mail.createdAt),
          nextAttemptAt: iso(mail.nextAttemptAt),
          sentAt: mail.sentAt === null ? null : iso(mail.sentAt),
        })),
      };
    },
  );
};
