import { AuthError, bearerChallenge, type ErrorCode, errorCodes, isAuthError } from '@jwtgate/core';
import { jitteredRetryAfter } from './retry-after.js';

/** The body of every error answer. */
export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly details?: readonly { readonly path: string; readonly message: string }[];
  };
}

/** An error, ready to send. */
export interface ErrorResponse {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
  /** Whether this is our fault and worth an error log line. */
  readonly unexpected: boolean;
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  validation?: readonly { instancePath?: string; message?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
}

/** Fastify's own error codes, translated into ours. */
const fastifyCodes: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'ERR_MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'ERR_MALFORMED_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ERR_VALIDATION',
};

/**
 * Maps anything thrown while handling a request onto one coded answer. This
 * is the single place statuses and `WWW-Authenticate` challenges are chosen.
 */
export function toErrorResponse(error: unknown, realm: string): ErrorResponse {
  let authError: AuthError;
  let details: ErrorBody['error']['details'];
  const fastifyError = error as FastifyLikeError;
  if (isAuthError(error)) {
    authError = error;
  } else if (fastifyError?.validation !== undefined) {
    authError = new AuthError('ERR_VALIDATION');
    details = fastifyError.validation.map((issue) => {
      const extra = issue.params?.additionalProperty;
      const path = `/${fastifyError.validationContext ?? 'body'}${issue.instancePath ?? ''}`;
      return typeof extra === 'string'
        ? { path: `${path}/${extra}`, message: 'is not an accepted field' }
        : { path, message: issue.message ?? 'is invalid' };
    });
  } else if (typeof fastifyError?.code === 'string' && Object.hasOwn(fastifyCodes, fastifyError.code)) {
    authError = new AuthError(fastifyCodes[fastifyError.code] as ErrorCode);
  } else if (
    typeof fastifyError?.statusCode === 'number' &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    authError = new AuthError(fastifyError.statusCode === 404 ? 'ERR_NOT_FOUND' : 'ERR_VALIDATION');
  } else {
    authError = new AuthError('ERR_INTERNAL');
  }

  const spec = errorCodes[authError.code];
  const headers: Record<string, string> = { ...authError.headers };
  const challenge = bearerChallenge(authError, realm);
  if (challenge !== undefined) headers['www-authenticate'] = challenge;
  if (spec.status === 503 && headers['retry-after'] === undefined) headers['retry-after'] = jitteredRetryAfter();
  return {
    status: spec.status,
    body: { error: { code: authError.code, message: authError.message, ...(details ? { details } : {}) } },
    headers,
    unexpected: authError.code === 'ERR_INTERNAL' || authError.code === 'ERR_STORE_UNAVAILABLE',
  };
}
