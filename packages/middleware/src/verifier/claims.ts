/**
 * The claims of a verified token. A jwtgate access token has all of `iss`,
 * `aud`, `sub`, `sid`, `role`, `iat`, `exp` and `jti`; a go-zero token only
 * `exp`, `iat` and its own keys (such as `userId`). Both are this type, so
 * nothing claims a member that a token may not have.
 */
export interface VerifiedClaims {
  /** Expires at, seconds since the epoch; always present and checked. */
  readonly exp: number;
  readonly iat?: number;
  readonly nbf?: number;
  readonly iss?: string;
  readonly aud?: string | readonly string[];
  /** The user id (jwtgate tokens). */
  readonly sub?: string;
  /** The session id (jwtgate tokens); what revocation is checked against. */
  readonly sid?: string;
  readonly role?: string;
  readonly jti?: string;
  /** How the user signed in (RFC 8176: `pwd`, `otp`, `mfa`), on jwtgate tokens. */
  readonly amr?: readonly string[];
  /** The authentication context class: `urn:jwtgate:acr:mfa` after two factors. */
  readonly acr?: string;
  /** When the user signed in, seconds since the epoch. */
  readonly auth_time?: number;
  readonly [claim: string]: unknown;
}

/**
 * Augment this interface to give `request.auth`, `req.auth` and
 * `c.get('auth')` a narrower type in your service, for example when it
 * accepts jwtgate tokens only:
 *
 * ```ts
 * import type { AccessTokenClaims } from '@jwtgate/core';
 * declare module '@jwtgate/middleware' {
 *   interface AuthTypes { claims: AccessTokenClaims }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: empty on purpose, so that services can add `claims` by declaration merging.
export interface AuthTypes {}

/** The claims type the framework integrations put on requests: {@link VerifiedClaims} unless {@link AuthTypes} says otherwise. */
export type AuthClaims = AuthTypes extends { claims: infer Claims extends VerifiedClaims } ? Claims : VerifiedClaims;
