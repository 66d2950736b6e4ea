import type { Clock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import { type AccessTokenClaims, accessTokenType } from './claims.js';
import type { JwtKey } from './key.js';
import { createJwtVerifier, type JwtVerifier } from './verify.js';

/** Options for {@link createAccessTokenVerifier}. */
export interface AccessTokenVerifierOptions {
  readonly keys: readonly JwtKey[];
  readonly issuer: string | readonly string[];
  readonly audience: string | readonly string[];
  readonly clockToleranceSec: number;
  readonly clock?: Clock;
  /** See `JwtVerifierOptions.verifiedTokenCacheSize`; 0 turns the cache of verified tokens off. */
  readonly verifiedTokenCacheSize?: number;
}

/** Verifies jwtgate access tokens; throws (or rejects with) `ERR_TOKEN_INVALID` or `ERR_TOKEN_EXPIRED`. */
export interface AccessTokenVerifier {
  verify(token: string): AccessTokenClaims;
  /** `verify` with an asymmetric signature checked on the thread pool (see `JwtVerifier.verifyOffLoop`). */
  verifyOffLoop(token: string): AccessTokenClaims | Promise<AccessTokenClaims>;
}

function checkTypes(claims: AccessTokenClaims): AccessTokenClaims {
  if (typeof claims.sid !== 'string' || typeof claims.role !== 'string' || typeof claims.jti !== 'string') {
    throw new AuthError('ERR_TOKEN_INVALID', { reason: 'claim-types' });
  }
  return claims;
}

/**
 * A verifier for jwtgate access tokens: `typ: at+jwt` (so no other JWT passes
 * for one), `iss`, `aud`, and the claims the guard relies on.
 *
 * @example
 * const verifier = createAccessTokenVerifier({ keys: [key], issuer: 'jwtgate', audience: 'jwtgate', clockToleranceSec: 5 });
 * verifier.verify(token).sid;
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const jwt: JwtVerifier<AccessTokenClaims> = createJwtVerifier<AccessTokenClaims>({
    keys: options.keys,
    issuer: options.issuer,
    audience: options.audience,
    typ: accessTokenType,
    requiredClaims: ['sub', 'sid', 'role', 'jti', 'iat'],
    clockToleranceSec: options.clockToleranceSec,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.verifiedTokenCacheSize === undefined ? {} : { verifiedTokenCacheSize: options.verifiedTokenCacheSize }),
  });
  return {
    verify: (token) => checkTypes(jwt.verify(token).claims),
    verifyOffLoop(token) {
      const result = jwt.verifyOffLoop(token);
      return result instanceof Promise ? result.then((done) => checkTypes(done.claims)) : checkTypes(result.claims);
    },
  };
}
