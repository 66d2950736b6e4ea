import type { FastifyPluginAsync } from 'fastify';
import { errorResponses } from '../schemas.js';

/** Liveness and readiness for load balancers and orchestrators. */
export const healthRoutes: FastifyPluginAsync<{ readiness: () => Promise<void> }> = async (app, { readiness }) => {
  const status = { type: 'object', required: ['status'], properties: { status: { type: 'string' } } } as const;
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
        summary: 'The stores are reachable',
        description: 'Answers `{"status": "ready"}` when the database, and Redis when configured, answer.',
        tags: ['health'],
        response: { 200: status, ...errorResponses },
        errors: { ERR_STORE_UNAVAILABLE: 'a store cannot be reached' },
      },
    },
    async () => {
      await readiness();
      return { status: 'ready' };
    },
  );
};
