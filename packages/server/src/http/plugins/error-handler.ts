import { AuthError } from '@jwtgate/core';
import fp from 'fastify-plugin';
import { toErrorResponse } from '../error-response.js';

/** Answers every failure, and unknown routes, with a coded JSON error. */
export const errorHandlerPlugin = fp<{ realm: string }>(
  async (app, { realm }) => {
    app.setErrorHandler((error, request, reply) => {
      const response = toErrorResponse(error, realm);
      if (response.unexpected) {
        request.log.error({ err: error, code: response.body.error.code }, 'request failed');
      }
      reply.code(response.status).headers(response.headers).send(response.body);
    });
    app.setNotFoundHandler((_request, reply) => {
      const response = toErrorResponse(new AuthError('ERR_NOT_FOUND'), realm);
      reply.code(response.status).send(response.body);
    });
  },
  { name: 'jwtgate-error-handler' },
);
