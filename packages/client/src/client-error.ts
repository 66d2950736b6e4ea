import type { ErrorCode } from './server-types.js';

/**
 * Codes the client adds for failures that never reached a jwtgate answer:
 * no network, an answer that is not jwtgate's, a browser without WebAuthn,
 * or a passkey ceremony the user cancelled (or that timed out).
 */
export type ClientOnlyErrorCode =
  | 'ERR_NETWORK'
  | 'ERR_UNEXPECTED_RESPONSE'
  | 'ERR_WEBAUTHN_UNAVAILABLE'
  | 'ERR_PASSKEY_CANCELLED';

/**
 * A failed call: the server's coded error (`ERR_TOKEN_REVOKED`...), or a
 * client-side one when no coded answer came back. Branch on `code`.
 *
 * @example
 * try { await client.me(); } catch (error) {
 *   if (error instanceof JwtgateClientError && error.code === 'ERR_TOKEN_REVOKED') showSignIn();
 * }
 */
export class JwtgateClientError extends Error {
  readonly code: ErrorCode | ClientOnlyErrorCode;
  /** The HTTP status, or 0 when the request did not complete. */
  readonly status: number;
  /** From `Retry-After` (a 429 or 503): how many seconds to wait before trying again; else `undefined`. */
  readonly retryAfterSec: number | undefined;

  constructor(
    code: ErrorCode | ClientOnlyErrorCode,
    message: string,
    status: number,
    options?: { cause?: unknown; retryAfterSec?: number | undefined },
  ) {
    super(message, options !== undefined && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'JwtgateClientError';
    this.code = code;
    this.status = status;
    this.retryAfterSec = options?.retryAfterSec;
  }
}

/** `Retry-After` in seconds (jwtgate sends whole seconds, never a date); `undefined` without one. */
function retryAfterOf(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null || !/^\d{1,9}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/**
 * The error a non-2xx answer stands for; jwtgate answers `{ error: { code, message } }`.
 *
 * @example
 * if (!response.ok) throw await errorFromResponse(response);
 */
export async function errorFromResponse(response: Response): Promise<JwtgateClientError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.code === 'string' && /^ERR_[A-Z_]+$/.test(error.code)) {
    const message = typeof error.message === 'string' ? error.message : error.code;
    return new JwtgateClientError(error.code as ErrorCode, message, response.status, {
      retryAfterSec: retryAfterOf(response),
    });
  }
  return new JwtgateClientError(
    'ERR_UNEXPECTED_RESPONSE',
    `Unexpected answer (HTTP ${response.status})`,
    response.status,
  );
}
