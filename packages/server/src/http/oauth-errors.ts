import type { ErrorCode } from '@jwtgate/core';
import type { FastifyInstance } from 'fastify';
import { toErrorResponse } from './error-response.js';

/** The error codes of RFC 6749 §5.2 (and RFC 6749 §4.1.2.1 for the server's own failures). */
type OAuthError = 'invalid_request' | 'invalid_client' | 'server_error' | 'temporarily_unavailable';

const oauthErrors: Partial<Record<ErrorCode, OAuthError>> = {
  ERR_INVALID_CLIENT: 'invalid_client',
  ERR_VALIDATION: 'invalid_request',
  ERR_MALFORMED_JSON: 'invalid_request',
  ERR_FORBIDDEN_KEY: 'invalid_request',
  ERR_UNSUPPORTED_MEDIA_TYPE: 'invalid_request',
  ERR_BODY_TOO_LARGE: 'invalid_request',
  ERR_METHOD_NOT_ALLOWED: 'invalid_request',
  ERR_STORE_UNAVAILABLE: 'temporarily_unavailable',
  ERR_LOGOUT_TOKEN_INVALID: 'invalid_request',
  ERR_NOT_FOUND: 'invalid_request',
  ERR_RATE_LIMITED: 'temporarily_unavailable',
  ERR_OAUTH_PROVIDER_UNAVAILABLE: 'temporarily_unavailable',
};

/**
 * The shape of an error on the OAuth routes: RFC 6749 §5.2's `error` and
 * `error_description`, which OAuth libraries in every language read, plus
 * jwtgate's stable `code`.
 */
export const oauthErrorSchema = {
  title: 'OAuthError',
  type: 'object',
  required: ['error', 'code'],
  properties: {
    error: { type: 'string', enum: ['invalid_request', 'invalid_client', 'server_error', 'temporarily_unavailable'] },
    error_description: { type: 'string' },
    code: { type: 'string' },
  },
} as const;

export const oauthErrorResponses = { '4xx': oauthErrorSchema, '5xx': oauthErrorSchema } as const;

/**
 * Answers the errors of the routes in `app`'s context in the OAuth shape
 * ({@link oauthErrorSchema}); status and headers come from the one table,
 * as everywhere else (`error-response.ts`). `mediaType` names the body
 * the routes take, for the 415 answer.
 *
 * @example
 * useOAuthErrors(app, 'jwtgate', 'application/x-www-form-urlencoded');
 */
export function useOAuthErrors(app: FastifyInstance, realm: string, mediaType?: string): void {
  app.setErrorHandler((error, request, reply) => {
    const response = toErrorResponse(error, realm);
    const { code, message } = response.body.error;
    if (response.unexpected) request.log.error({ err: error, code }, 'request failed');
    const description =
      code === 'ERR_UNSUPPORTED_MEDIA_TYPE' && mediaType !== undefined
        ? `The request body must be ${mediaType}`
        : code === 'ERR_VALIDATION' && response.body.error.details?.[0] !== undefined
          ? `${message}: ${response.body.error.details[0].path} ${response.body.error.details[0].message}`
          : message;
    reply
      .code(response.status)
      .headers(response.headers)
      .send({ error: oauthErrors[code] ?? 'server_error', error_description: description, code });
  });
}
