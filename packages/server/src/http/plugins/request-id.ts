import fp from 'fastify-plugin';
import { REQUEST_ID_HEADER } from '../request-id.js';
import type { RequestLogScope } from '../request-log-scope.js';

/**
 * Echoes the request id (`request.id`, chosen by `requestIdFor` when the
 * request arrived) in `X-Request-Id` on every answer, errors and 404s
 * included, and, with a `scope`, makes the request's logger the current one
 * for everything the request runs: the hooks after this one, the guard,
 * and the handler (Fastify carries the async context across reading the
 * body). Register before any other hook.
 */
export const requestIdPlugin = fp<{ scope?: RequestLogScope | undefined }>(
  async (app, { scope }) => {
    app.addHook('onRequest', (request, reply, done) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      if (scope === undefined) done();
      else scope.run(request.log, done);
    });
  },
  { name: 'jwtgate-request-id' },
);
