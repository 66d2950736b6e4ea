import { AuthError } from '@jwtgate/core';
import fp from 'fastify-plugin';

/**
 * JSON is the only request body jwtgate accepts; anything else is 415 before
 * a handler runs. Keys that could poison prototypes are refused outright,
 * with their own code, rather than silently dropped.
 */
export const jsonBodyPlugin = fp(
  async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      const text = body as string;
      if (text.length === 0) {
        done(new AuthError('ERR_MALFORMED_JSON', { message: 'The request body is empty' }), undefined);
        return;
      }
      try {
        done(
          null,
          JSON.parse(text, function reviver(this: unknown, key: string, value: unknown) {
            if (
              key === '__proto__' ||
              (key === 'constructor' && value !== null && typeof value === 'object' && 'prototype' in value)
            ) {
              throw new AuthError('ERR_FORBIDDEN_KEY');
            }
            return value;
          }),
        );
      } catch (error) {
        done(error instanceof AuthError ? error : new AuthError('ERR_MALFORMED_JSON'), undefined);
      }
    });
  },
  { name: 'jwtgate-json-body' },
);
