import { AuthError } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import { errorResponses } from '../schemas.js';

/** Whether a store answered its readiness probe within its timeout. */
export type StoreState = 'up' | 'down';

/**
 * What `/readyz` reports: whether this instance should get traffic (it can
 * verify tokens, knowing every revocation it should), apart from whether
 * each store answers (which only some routes need).
 */
export interface Readiness {
  readonly ready: boolean;
  readonly stores: { readonly database: StoreState; readonly redis?: StoreState };
  /**
   * How revocations made elsewhere reach this instance: the Redis feed
   * (`live`, or `behind` by `behindSeconds`), database `polling`, or `none`
   * (a single instance).
   */
  readonly revocationFeed: { readonly state: 'live' | 'behind' | 'polling' | 'none'; readonly behindSeconds?: number };
}

/** Liveness and readiness for load balancers and orchestrators. */
export const healthRoutes: FastifyPluginAsync<{ readiness: () => Promise<Readiness> }> = async (app, { readiness }) => {
  const status = { type: 'object', required: ['status'], properties: { status: { type: 'string' } } } as const;
  const storeState = { type: 'string', enum: ['up', 'down'] } as const;
  const readyBody = {
    type: 'object',
    required: ['status', 'stores', 'revocationFeed'],
    properties: {
      status: { type: 'string', enum: ['ready'] },
      stores: {
        type: 'object',
        description: 'Whether each store answered within its timeout; `redis` only when configured.',
        required: ['database'],
        properties: { database: storeState, redis: storeState },
      },
      revocationFeed: {
        type: 'object',
        description:
          'How revocations made on other instances reach this one: the Redis feed (`live`, or `behind` since `behindSeconds`), database `polling`, or `none` (one instance).',
        required: ['state'],
        properties: {
          state: { type: 'string', enum: ['live', 'behind', 'polling', 'none'] },
          behindSeconds: { type: 'integer', minimum: 0 },
        },
      },
    },
  } as const;
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'The process is alive',
        description: 'Answers `{"status": "ok"}` without touching any store.',
        tags: ['health'],
        response: { 200: status, ...errorResponses },
      },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'This instance can serve: tokens verified with every revocation known',
        description:
          'Answers `{"status": "ready", …}` while this instance knows of every revocation it should: its Redis revocation feed is live, or Redis does not answer it either (an outage, during which nothing can be revoked anywhere) for at most `Revocation.MaxFeedLag`; without Redis, its reads of the database for revocations have not been failing for longer than `Revocation.MaxFeedLag`. The body reports each store apart (`up` or `down`): a store that is down makes the routes that need it answer 503, not the instance unready.',
        tags: ['health'],
        response: { 200: readyBody, ...errorResponses },
        errors: {
          ERR_STORE_UNAVAILABLE:
            'the revocation feed is behind while Redis answers (catching up), or has been down longer than `Revocation.MaxFeedLag`',
        },
      },
    },
    async () => {
      const report = await readiness();
      if (!report.ready) throw new AuthError('ERR_STORE_UNAVAILABLE', { reason: 'revocation-feed' });
      return { status: 'ready', stores: report.stores, revocationFeed: report.revocationFeed };
    },
  );
};
