import { type ErrorCode, errorCodes } from './codes.js';

/** Options for {@link AuthError}. */
export interface AuthErrorOptions {
  /** Public message; defaults to the code's message. Never put request data here. */
  message?: string;
  /**
   * Internal detail for logs and tests (e.g. `'signature'`, `'alg'`), never
   * sent to clients so that an attacker learns nothing about which check failed.
   */
  reason?: string;
  /**
   * Internal: the account the refused request concerned, when one was found
   * (a wrong password), for the audit trail; never sent to clients.
   */
  userId?: string;
  /** The underlying error, kept for logs. */
  cause?: unknown;
  /** Extra headers the error needs (e.g. `Retry-After`). */
  headers?: Readonly<Record<string, string>>;
  /** RFC 9470 §3 parameters of the `WWW-Authenticate` challenge: what a new sign-in must satisfy. */
  challenge?: AuthenticationChallenge;
}

/** What an `insufficient_user_authentication` refusal asks of the next sign-in (RFC 9470 §3). */
export interface AuthenticationChallenge {
  /** Authentication context classes, any one of which would do. */
  readonly acrValues?: readonly string[];
  /** The sign-in must be at most this many seconds old. */
  readonly maxAge?: number;
}

/**
 * The one error type jwtgate throws on purpose. Its `code` is stable public
 * API; the HTTP status is derived from it, never chosen by route code.
 *
 * @example
 * throw new AuthError('ERR_TOKEN_EXPIRED');
 */
export class AuthError extends Error {
  readonly code: ErrorCode;
  readonly reason: string | undefined;
  readonly userId: string | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly challenge: AuthenticationChallenge | undefined;

  constructor(code: ErrorCode, options: AuthErrorOptions = {}) {
    super(options.message ?? errorCodes[code].message, { cause: options.cause });
    this.name = 'AuthError';
    this.code = code;
    this.reason = options.reason;
    this.userId = options.userId;
    this.headers = options.headers;
    this.challenge = options.challenge;
  }

  /** HTTP status for this error's code. */
  get status(): number {
    return errorCodes[this.code].status;
  }
}

/** Whether `error` is an {@link AuthError}, optionally with the given code. */
export function isAuthError(error: unknown, code?: ErrorCode): error is AuthError {
  return error instanceof AuthError && (code === undefined || error.code === code);
}
