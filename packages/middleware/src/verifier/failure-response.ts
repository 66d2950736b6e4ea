import { AuthError, bearerChallenge, type ErrorCode, errorCodes, isAuthError } from '@jwtgate/core';

/** A refusal, ready for any framework to send. */
export interface FailureResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: { readonly code: ErrorCode; readonly message: string } };
}

/**
 * The answer to a failed authentication: the status from core's one code
 * table, an RFC 6750 `WWW-Authenticate` challenge, and the coded JSON body
 * `{ error: { code, message } }`. Only the code's public message is sent;
 * which check failed stays in `error.reason`.
 *
 * @example
 * const { status, headers, body } = toFailureResponse(error, 'orders-api');
 */
export function toFailureResponse(error: unknown, realm?: string): FailureResponse {
  const authError = isAuthError(error) ? error : new AuthError('ERR_INTERNAL', { cause: error });
  const headers: Record<string, string> = { ...authError.headers, 'cache-control': 'no-store' };
  const challenge = bearerChallenge(authError, realm);
  if (challenge !== undefined) headers['www-authenticate'] = challenge;
  return {
    status: errorCodes[authError.code].status,
    headers,
    body: { error: { code: authError.code, message: authError.message } },
  };
}
