/** The claims of a jwtgate access token, after verification. */
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
  /** Custom claims from the configured hook. */
  readonly [claim: string]: unknown;
}

/** Claims that jwtgate sets itself; a custom-claims hook may not override them. */
export const reservedClaims: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'sid',
  'role',
  'typ',
  'cnf',
  'amr',
  'acr',
  'auth_time',
]);

/** The `typ` header of access tokens (RFC 9068 §2.1), which no other token type carries. */
export const accessTokenType = 'at+jwt';
