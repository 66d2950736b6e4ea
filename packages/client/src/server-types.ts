/**
 * The shapes the server answers with, written out here so that the SDK
 * depends on nothing, not even for its types: its declarations stand alone
 * in a project that installs `@jwtgate/client` only.
 * test/types-match-core.test.ts holds them equal to `@jwtgate/core`'s, which
 * are the source of truth (the type check fails when they drift).
 */

/** Every error code the server answers with; see docs/errors.md. */
export type ErrorCode =
  | 'ERR_VALIDATION'
  | 'ERR_MALFORMED_JSON'
  | 'ERR_FORBIDDEN_KEY'
  | 'ERR_INVALID_USERNAME'
  | 'ERR_INVALID_PASSWORD'
  | 'ERR_MALFORMED_PASSWORD'
  | 'ERR_COMMON_PASSWORD'
  | 'ERR_PASSWORD_CONTAINS_CONTEXT'
  | 'ERR_BREACHED_PASSWORD'
  | 'ERR_COOKIE_MODE_DISABLED'
  | 'ERR_INVALID_CURSOR'
  | 'ERR_INVALID_EMAIL'
  | 'ERR_EMAIL_REQUIRED'
  | 'ERR_EMAIL_TOKEN_INVALID'
  | 'ERR_OAUTH_STATE_INVALID'
  | 'ERR_LOGOUT_TOKEN_INVALID'
  | 'ERR_FRONTCHANNEL_LOGOUT_INVALID'
  | 'ERR_INVALID_CREDENTIALS'
  | 'ERR_TOKEN_MISSING'
  | 'ERR_TOKEN_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_REVOKED'
  | 'ERR_INSUFFICIENT_AUTHENTICATION'
  | 'ERR_MFA_TOKEN_INVALID'
  | 'ERR_MFA_CODE_INVALID'
  | 'ERR_PASSKEY_INVALID'
  | 'ERR_REFRESH_TOKEN_INVALID'
  | 'ERR_REFRESH_TOKEN_EXPIRED'
  | 'ERR_REFRESH_TOKEN_REUSED'
  | 'ERR_SESSION_REVOKED'
  | 'ERR_INVALID_CLIENT'
  | 'ERR_REFRESH_TOKEN_MISSING'
  | 'ERR_FORBIDDEN'
  | 'ERR_REGISTRATION_CLOSED'
  | 'ERR_INVITATION_INVALID'
  | 'ERR_INVITATION_NOT_FOUND'
  | 'ERR_INVALID_METADATA'
  | 'ERR_METADATA_TOO_LARGE'
  | 'ERR_WRONG_CURRENT_PASSWORD'
  | 'ERR_REAUTHENTICATION_FAILED'
  | 'ERR_EMAIL_NOT_VERIFIED'
  | 'ERR_ORIGIN_NOT_ALLOWED'
  | 'ERR_CSRF_HEADER_MISSING'
  | 'ERR_OAUTH_DENIED'
  | 'ERR_OAUTH_SIGN_UP_CLOSED'
  | 'ERR_NOT_FOUND'
  | 'ERR_SESSION_NOT_FOUND'
  | 'ERR_USER_NOT_FOUND'
  | 'ERR_OAUTH_PROVIDER_UNKNOWN'
  | 'ERR_IDENTITY_NOT_FOUND'
  | 'ERR_MFA_NOT_CONFIGURED'
  | 'ERR_PASSKEYS_NOT_CONFIGURED'
  | 'ERR_PASSKEY_NOT_FOUND'
  | 'ERR_METHOD_NOT_ALLOWED'
  | 'ERR_USERNAME_TAKEN'
  | 'ERR_EMAIL_TAKEN'
  | 'ERR_LAST_ADMIN'
  | 'ERR_MFA_ALREADY_ENABLED'
  | 'ERR_MFA_NOT_ENROLLING'
  | 'ERR_MFA_NOT_ENABLED'
  | 'ERR_IDENTITY_TAKEN'
  | 'ERR_LAST_SIGN_IN_METHOD'
  | 'ERR_FEED_RESYNC'
  | 'ERR_BODY_TOO_LARGE'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_RATE_LIMITED'
  | 'ERR_OAUTH_PROVIDER_ERROR'
  | 'ERR_INTERNAL'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_SERVER_BUSY'
  | 'ERR_BREACH_CHECK_UNAVAILABLE'
  | 'ERR_MAIL_UNAVAILABLE'
  | 'ERR_OAUTH_PROVIDER_UNAVAILABLE'
  | 'ERR_KEYS_UNAVAILABLE';

/** The claims of a jwtgate access token. */
export interface AccessTokenClaims {
  /** Issuer. */
  readonly iss: string;
  /** Audience. */
  readonly aud: string | readonly string[];
  /** The user id. */
  readonly sub: string;
  /** The session id; revoking the session revokes the token. */
  readonly sid: string;
  /** The user's role when the token was issued. */
  readonly role: string;
  /** Issued at, seconds since the epoch. */
  readonly iat: number;
  /** Expires at, seconds since the epoch. */
  readonly exp: number;
  /** Unique token id. */
  readonly jti: string;
  /** RFC 8176 methods of the sign-in behind the session (`pwd`, `otp`, `mfa`); absent on older tokens. */
  readonly amr?: readonly string[];
  /** The authentication context class: `urn:jwtgate:acr:mfa` after two factors, else `urn:jwtgate:acr:pwd`. */
  readonly acr?: string;
  /** When the user signed in, seconds since the epoch (OpenID Connect `auth_time`). */
  readonly auth_time?: number;
  /** Custom claims from the server's hook. */
  readonly [claim: string]: unknown;
}

/** What clients may see of a user. */
export interface PublicUser {
  readonly id: string;
  readonly username: string;
  readonly role: string;
  /** ISO 8601. */
  readonly createdAt: string;
  /** Present when the account has an email address. */
  readonly email?: string;
  /** Present with `email`: whether it has been verified. */
  readonly emailVerified?: boolean;
}

/** What `POST /auth/invitation` says of a live invitation, before registering with it. */
export interface InvitationSummary {
  /** The address the account will have, verified. */
  readonly email: string;
  /** ISO 8601: the invitation works until then. */
  readonly expiresAt: string;
}

/**
 * The answer of `POST /auth/register` with an email while the server has
 * `Register.ConcealTakenEmail` on: no account is shown and no session starts;
 * a mail is on its way (a verification, or a notice to the holder of an
 * address that has an account), so the page says "check your mail".
 */
export interface RegistrationAccepted {
  readonly accepted: true;
}

/** The body of `POST /auth/register`. */
export interface RegisterRequest {
  /** Optional with an `email` or an `invitation`: a name is then generated. */
  readonly username?: string;
  /** With an `invitation`, leave it out: the account gets the invited address. */
  readonly email?: string;
  readonly password: string;
  /** The secret of an invitation link (`#invitation=…`): registers even while registration is closed, once. */
  readonly invitation?: string;
}
