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

/**
 * A verifier for jwtgate access tokens: `typ: at+jwt` (so no other JWT passes
 * for one), `iss`, `aud`, and the claims the guard relies on.
 *
 * @example
 * const verifier = createAccessTokenVerifier({ keys: [key], issuer: 'jwtgate', audience: 'jwtgate', clockToleranceSec: 5 });
 * verifier.verify(token).sid;
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): {
  verify(token: string): AccessTokenClaims;
} {
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
    verify(token) {
      const { claims } = jwt.verify(token);
      if (typeof claims.sid !== 'string' || typeof claims.role !== 'string' || typeof claims.jti !== 'string') {
        throw new AuthError('ERR_TOKEN_INVALID', { reason: 'claim-types' });
      }
      return claims;
    },
  };
}
