/**
 * Every error code jwtgate answers with, and how it maps onto HTTP.
 *
 * Codes are public API: clients branch on them, so a code is never renamed
 * or reused for another meaning. `docs/errors.md` lists the same table.
 */

/** How a code is presented over HTTP. */
export interface ErrorCodeSpec {
  /** HTTP status the code is answered with. */
  readonly status: number;
  /** Default human-readable message; never contains request data. */
  readonly message: string;
  /**
   * RFC 6750 §3.1 error attribute for `WWW-Authenticate`, when the code
   * concerns a bearer token. `null` sends a bare `Bearer realm=...`
   * challenge (no credentials were presented).
   */
  readonly bearerError?:
    | 'invalid_request'
    | 'invalid_token'
    | 'insufficient_scope'
    | 'insufficient_user_authentication'
    | null;
}

export const errorCodes = {
  ERR_VALIDATION: { status: 400, message: 'The request does not match the expected shape' },
  ERR_MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON' },
  ERR_FORBIDDEN_KEY: {
    status: 400,
    message: 'The request body contains a forbidden key (__proto__ or constructor.prototype)',
  },
  ERR_INVALID_USERNAME: { status: 400, message: 'The username is not acceptable' },
  ERR_INVALID_PASSWORD: { status: 400, message: 'The password must be 8 to 1024 characters long' },
  ERR_MALFORMED_PASSWORD: {
    status: 400,
    message: 'The password is not well-formed Unicode text (it contains a lone surrogate)',
  },
  ERR_COMMON_PASSWORD: {
    status: 400,
    message: 'The password is one of the most common passwords; choose another',
  },
  ERR_PASSWORD_CONTAINS_CONTEXT: {
    status: 400,
    message: 'The password is made of the username, the email address or the service name; choose another',
  },
  ERR_BREACHED_PASSWORD: {
    status: 400,
    message: 'The password appears in a known data breach; choose another',
  },
  ERR_COOKIE_MODE_DISABLED: { status: 400, message: 'Cookie mode is disabled on this server' },
  ERR_INVALID_CURSOR: { status: 400, message: 'The cursor is not one this server handed out' },
  ERR_INVALID_EMAIL: { status: 400, message: 'The email address is not acceptable' },
  ERR_EMAIL_REQUIRED: { status: 400, message: 'An email address is required' },
  ERR_EMAIL_TOKEN_INVALID: {
    status: 400,
    message: 'The link or code is invalid, expired or already used; ask for a new one',
  },
  ERR_INVITATION_INVALID: {
    status: 400,
    message: 'This invitation is not valid: it was used, revoked, has expired, or was never issued',
  },
  ERR_INVALID_METADATA: { status: 400, message: 'Metadata must be a JSON object of plain values' },
  ERR_METADATA_TOO_LARGE: { status: 400, message: 'The metadata is larger than this server accepts' },
  ERR_OAUTH_STATE_INVALID: {
    status: 400,
    message:
      'This sign-in with the identity provider was not started in this browser, has expired or was already finished; start again',
  },
  ERR_LOGOUT_TOKEN_INVALID: {
    status: 400,
    message: 'The logout token is not one this server accepts from the identity provider, or was already used',
  },
  ERR_FRONTCHANNEL_LOGOUT_INVALID: {
    status: 400,
    message:
      'The front-channel logout request does not name a session of this identity provider (recorded only: the route answers the same page)',
  },
  ERR_INVALID_CREDENTIALS: { status: 401, message: 'Invalid username or password' },
  ERR_TOKEN_MISSING: {
    status: 401,
    message: 'An access token is required',
    bearerError: null,
  },
  ERR_TOKEN_INVALID: {
    status: 401,
    message: 'The access token is invalid',
    bearerError: 'invalid_token',
  },
  ERR_TOKEN_EXPIRED: {
    status: 401,
    message: 'The access token has expired',
    bearerError: 'invalid_token',
  },
  ERR_TOKEN_REVOKED: {
    status: 401,
    message: 'The session of this access token has ended',
    bearerError: 'invalid_token',
  },
  ERR_INSUFFICIENT_AUTHENTICATION: {
    status: 401,
    message: 'This needs a stronger or more recent sign-in',
    bearerError: 'insufficient_user_authentication',
  },
  ERR_MFA_TOKEN_INVALID: {
    status: 401,
    message: 'The mfaToken is invalid, spent or expired; sign in again',
  },
  ERR_MFA_CODE_INVALID: { status: 401, message: 'The code is wrong or was already used' },
  ERR_PASSKEY_INVALID: {
    status: 401,
    message: 'The passkey could not be verified; ask for a new challenge and try again',
  },
  ERR_REFRESH_TOKEN_INVALID: { status: 401, message: 'The refresh token is invalid' },
  ERR_REFRESH_TOKEN_EXPIRED: { status: 401, message: 'The refresh token has expired' },
  ERR_REFRESH_TOKEN_REUSED: {
    status: 401,
    message: 'The refresh token was already used; the session has been revoked',
  },
  ERR_SESSION_REVOKED: { status: 401, message: 'The session has ended' },
  // RFC 6749 §5.2 `invalid_client`: introspection and the revocation feed, answered with a Basic challenge.
  ERR_INVALID_CLIENT: { status: 401, message: 'Client authentication failed' },
  ERR_REFRESH_TOKEN_MISSING: { status: 401, message: 'No refresh token was presented (body or cookie)' },
  ERR_FORBIDDEN: { status: 403, message: 'This requires the administrator role' },
  // Not 401: clients read a 401 as "the access token is no good" and would drop a perfectly valid session.
  ERR_WRONG_CURRENT_PASSWORD: { status: 403, message: 'The current password is wrong' },
  ERR_REAUTHENTICATION_FAILED: {
    status: 403,
    message: 'The password or code given to confirm this is wrong',
  },
  ERR_REGISTRATION_CLOSED: {
    status: 403,
    message: 'Registration is closed on this server; an administrator can invite you',
  },
  ERR_EMAIL_NOT_VERIFIED: { status: 403, message: 'The email address of this account is not verified yet' },
  ERR_ORIGIN_NOT_ALLOWED: { status: 403, message: 'Requests from this origin are not allowed' },
  ERR_CSRF_HEADER_MISSING: {
    status: 403,
    message: 'Cookie-authenticated requests need the X-Jwtgate-Csrf: 1 header',
  },
  ERR_OAUTH_DENIED: {
    status: 403,
    message: 'The identity provider did not let you sign in (consent refused or sign-in cancelled)',
  },
  ERR_OAUTH_SIGN_UP_CLOSED: {
    status: 403,
    message: 'No account is linked to this identity and new accounts cannot be made here',
  },
  ERR_NOT_FOUND: { status: 404, message: 'No such route' },
  ERR_SESSION_NOT_FOUND: { status: 404, message: 'No such session' },
  ERR_USER_NOT_FOUND: { status: 404, message: 'No such user' },
  ERR_INVITATION_NOT_FOUND: { status: 404, message: 'No such pending invitation' },
  ERR_OAUTH_PROVIDER_UNKNOWN: { status: 404, message: 'No identity provider of that name is configured' },
  ERR_IDENTITY_NOT_FOUND: { status: 404, message: 'No such linked identity' },
  ERR_MFA_NOT_CONFIGURED: {
    status: 404,
    message: 'Second factors are not configured on this server (Mfa.EncryptionKey)',
  },
  ERR_PASSKEYS_NOT_CONFIGURED: {
    status: 404,
    message: 'Passkeys are not configured on this server (Mfa.RpId or Web.PublicUrl)',
  },
  ERR_PASSKEY_NOT_FOUND: { status: 404, message: 'No such passkey' },
  ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'This route does not accept this method' },
  ERR_USERNAME_TAKEN: { status: 409, message: 'This username is already taken' },
  ERR_EMAIL_TAKEN: { status: 409, message: 'This email address belongs to another account' },
  ERR_LAST_ADMIN: {
    status: 409,
    message: 'This would leave no enabled administrator; make another one first',
  },
  ERR_MFA_ALREADY_ENABLED: {
    status: 409,
    message: 'An authenticator app is already set up; remove it first',
  },
  ERR_MFA_NOT_ENROLLING: {
    status: 409,
    message: 'No authenticator app is being set up; start with POST /auth/mfa/totp/enroll',
  },
  ERR_MFA_NOT_ENABLED: { status: 409, message: 'No second factor is set up' },
  ERR_IDENTITY_TAKEN: {
    status: 409,
    message: 'This identity is already linked to an account, or this account already has one from that provider',
  },
  ERR_LAST_SIGN_IN_METHOD: {
    status: 409,
    message: 'This is the last way to sign in to the account; set a password or link another identity first',
  },
  ERR_FEED_RESYNC: {
    status: 410,
    message: 'The cursor is older than the revocations the feed keeps; read the feed again from the start',
  },
  ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'The request body must be application/json',
  },
  ERR_RATE_LIMITED: { status: 429, message: 'Too many failed attempts; retry later' },
  ERR_OAUTH_PROVIDER_ERROR: {
    status: 502,
    message: 'The identity provider answered with something that cannot be trusted or used; try again',
  },
  ERR_INTERNAL: { status: 500, message: 'Internal error' },
  ERR_STORE_UNAVAILABLE: {
    status: 503,
    message: 'A storage backend is unavailable; retry later',
  },
  ERR_SERVER_BUSY: {
    status: 503,
    message: 'The server is busy checking passwords; retry later',
  },
  ERR_BREACH_CHECK_UNAVAILABLE: {
    status: 503,
    message: 'The password cannot be checked against known breaches right now; retry later',
  },
  ERR_MAIL_UNAVAILABLE: {
    status: 503,
    message: 'This server cannot send mail, so this feature is unavailable',
  },
  ERR_OAUTH_PROVIDER_UNAVAILABLE: {
    status: 503,
    message: 'The identity provider cannot be reached right now; retry later',
  },
  ERR_KEYS_UNAVAILABLE: {
    status: 503,
    message: 'The keys that verify access tokens cannot be fetched right now; retry later',
  },
} as const satisfies Record<string, ErrorCodeSpec>;

/** The union of every public error code. */
export type ErrorCode = keyof typeof errorCodes;

/** Whether `value` is one of jwtgate's public error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value);
}
