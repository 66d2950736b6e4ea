import { randomUUID } from 'node:crypto';
import {
  ACR_SINGLE_FACTOR,
  accessTokenType,
  createJwtSigner,
  createSecretJwtKey,
  type JwtKey,
  newSessionId,
} from '@jwtgate/core';
import { BENCH_ACCESS_SECRET, BENCH_AUDIENCE, BENCH_ISSUER } from './jwtgate-fixture.js';

/** The HS256 key of the shared benchmark secret, as jwtgate binds it. */
export const benchSecretKey: JwtKey = createSecretJwtKey({ secret: BENCH_ACCESS_SECRET });

/**
 * An access token of the same shape and size as jwtgate's (HS256 with the
 * shared benchmark secret unless another key is given), for the servers that
 * do not issue tokens. `sid` is its session id.
 *
 * @example
 * const { token, sid } = signAccessToken(generateJwtKey('EdDSA'));
 */
export function signAccessToken(key: JwtKey = benchSecretKey): { token: string; sid: string } {
  const signer = createJwtSigner({ key, typ: accessTokenType });
  const iat = Math.floor(Date.now() / 1000);
  const sid = newSessionId();
  const token = signer.sign({
    iss: BENCH_ISSUER,
    aud: BENCH_AUDIENCE,
    sub: randomUUID(),
    sid,
    role: 'user',
    // What every jwtgate access token carries since step-up (RFC 9470): how and when the user signed in.
    amr: ['pwd'],
    acr: ACR_SINGLE_FACTOR,
    auth_time: iat,
    iat,
    exp: iat + 900,
    jti: randomUUID(),
  });
  return { token, sid };
}

/**
 * `count` access tokens signed with `key`, one per user (each its own `sub`,
 * `sid` and `jti`), as a service sees them from that many users.
 *
 * @example
 * const tokens = signAccessTokens(10_000);
 */
export function signAccessTokens(count: number, key: JwtKey = benchSecretKey): { token: string; sid: string }[] {
  return Array.from({ length: count }, () => signAccessToken(key));
}
