import type { FastifyPluginAsync } from 'fastify';
import { errorResponses } from '../schemas.js';

/** Liveness and readiness for load balancers and orchestrators. */
export const healthRoutes: FastifyPluginAsync<{ readiness: () => Promise<void> }> = async (app, { readiness }) => {
  const status = { type: 'object', required: ['status'], properties: { status: { type: 'string' } } } as const;
  app.get('/healthz', { schema: { summary: 'The process is alive', response: { 200: status } } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    { schema: { summary: 'The stores are reachable', response: { 200: status, ...errorResponses } } },
    async () => {
      await readiness();
      return { status: 'ready' };
    },
  );
};
