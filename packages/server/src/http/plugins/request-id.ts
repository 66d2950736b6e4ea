import fp from 'fastify-plugin';
import { REQUEST_ID_HEADER } from '../request-id.js';

/**
 * Echoes the request id (`request.id`, chosen by `requestIdFor` when the
 * request arrived) in `X-Request-Id` on every answer, errors and 404s
 * included, so a caller can quote it and an operator find every log line and
 * audit record of that request.
 */
export const requestIdPlugin = fp(
  async (app) => {
    app.addHook('onRequest', (request, reply, done) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      done();
    });
  },
  { name: 'jwtgate-request-id' },
);
