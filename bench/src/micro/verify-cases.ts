import { createSecretKey, webcrypto } from 'node:crypto';
import { accessTokenType, createJwtVerifier, type JwtKey, type JwtVerifier, type SessionManager } from '@jwtgate/core';
import fastJwt, { type Algorithm } from 'fast-jwt';
import { jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { BENCH_ACCESS_SECRET, BENCH_AUDIENCE, BENCH_ISSUER, BENCH_LEEWAY_SEC } from '../support/jwtgate-fixture.js';
import type { TokenSet } from './token-set.js';

/** One implementation of "is this access token valid?". */
export interface VerifyCase {
  readonly name: string;
  readonly library: string;
  /** How it is set up, for the table. */
  readonly setup: string;
  readonly async: boolean;
  /** Verifies `token` and returns its claims, or throws. */
  verify(token: string): unknown;
  /** Tokens that only this implementation is asked to refuse (revocation). */
  readonly extraAttacks?: Readonly<Record<string, string>>;
}

/** The claims every verifier insists on, besides `exp`; jwtgate's access-token verifier requires the same. */
export const REQUIRED_CLAIMS = ['sub', 'sid', 'role', 'jti', 'iat', 'exp'];

/**
 * jwtgate's verifier with the expectations every compared verifier gets; it
 * also judges the output of every signer.
 *
 * @example
 * createBenchJwtVerifier(tokens.key).verify(token).claims.sub;
 */
export function createBenchJwtVerifier(key: JwtKey, options: { verifiedTokenCacheSize?: number } = {}): JwtVerifier {
  return createJwtVerifier({
    ...options,
    keys: [key],
    issuer: BENCH_ISSUER,
    audience: BENCH_AUDIENCE,
    typ: accessTokenType,
    requiredClaims: REQUIRED_CLAIMS,
    clockToleranceSec: BENCH_LEEWAY_SEC,
  });
}

/**
 * The verifiers compared, each configured with the same expectations: HS256
 * only, `iss`, `aud`, `exp` with 5 s leeway, and the `at+jwt` type where the
 * library can check it. Each is set up the fastest way its documentation
 * allows (keys imported once, verifiers created once).
 *
 * @example
 * const cases = await createVerifyCases(tokens, server.sessions, revokedToken);
 */
export async function createVerifyCases(
  tokens: TokenSet,
  sessions: SessionManager,
  revokedToken: string,
  revokedSessions: number,
): Promise<VerifyCase[]> {
  const secretBytes = new TextEncoder().encode(BENCH_ACCESS_SECRET);
  const joseKey = await webcrypto.subtle.importKey('raw', secretBytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'verify',
  ]);
  const joseOptions = {
    algorithms: ['HS256'],
    issuer: BENCH_ISSUER,
    audience: BENCH_AUDIENCE,
    typ: accessTokenType,
    requiredClaims: REQUIRED_CLAIMS,
    clockTolerance: BENCH_LEEWAY_SEC,
  };
  const jwtgateVerifier = createBenchJwtVerifier(tokens.key);
  const jwtgateUncached = createBenchJwtVerifier(tokens.key, { verifiedTokenCacheSize: 0 });
  const fastJwtOptions = {
    key: BENCH_ACCESS_SECRET,
    algorithms: ['HS256'] satisfies Algorithm[],
    allowedIss: BENCH_ISSUER,
    allowedAud: BENCH_AUDIENCE,
    checkTyp: accessTokenType,
    requiredClaims: REQUIRED_CLAIMS,
    clockTolerance: BENCH_LEEWAY_SEC * 1000,
  };
  const fastJwtUncached = fastJwt.createVerifier({ ...fastJwtOptions, cache: false });
  const fastJwtCached = fastJwt.createVerifier({ ...fastJwtOptions, cache: true });
  const jsonwebtokenKey = createSecretKey(Buffer.from(BENCH_ACCESS_SECRET, 'utf8'));
  const jsonwebtokenOptions: jsonwebtoken.VerifyOptions & { complete?: false } = {
    algorithms: ['HS256'],
    issuer: BENCH_ISSUER,
    audience: BENCH_AUDIENCE,
    clockTolerance: BENCH_LEEWAY_SEC,
  };

  return [
    {
      name: 'jwtgate createJwtVerifier, cache off',
      library: '@jwtgate/core',
      setup: 'verifiedTokenCacheSize: 0: node:crypto HMAC and JSON parsing on every call (header cache only)',
      async: false,
      verify: (token) => jwtgateUncached.verify(token).claims,
    },
    {
      name: 'jwtgate SessionManager.authenticate',
      library: '@jwtgate/core',
      setup: `what the route guard calls: the verifier of the next row (the same token every call, so a hit of its cache of verified tokens), then a lookup among ${revokedSessions.toLocaleString('en')} revoked sessions`,
      async: false,
      verify: (token) => sessions.authenticate(token),
      extraAttacks: { 'revoked session': revokedToken },
    },
    {
      name: 'jwtgate createJwtVerifier',
      library: '@jwtgate/core',
      setup: 'its default: cache of verified tokens on (every call a hit: signature skipped, time checks run)',
      async: false,
      verify: (token) => jwtgateVerifier.verify(token).claims,
    },
    {
      name: 'jose jwtVerify',
      library: 'jose',
      setup: 'WebCrypto HMAC key imported once (faster than a Uint8Array or KeyObject secret)',
      async: true,
      verify: async (token) => (await jwtVerify(token, joseKey, joseOptions)).payload,
    },
    {
      name: 'jose jwtVerify, Uint8Array secret',
      library: 'jose',
      setup: 'the secret as bytes, as its README shows: each call imports it into WebCrypto',
      async: true,
      verify: async (token) => (await jwtVerify(token, secretBytes, joseOptions)).payload,
    },
    {
      name: 'fast-jwt createVerifier, cache off',
      library: 'fast-jwt',
      setup: 'the default (cache: false)',
      async: false,
      verify: (token) => fastJwtUncached(token),
    },
    {
      name: 'fast-jwt createVerifier, cache on',
      library: 'fast-jwt',
      setup: 'cache: true (LRU of 1000 verified tokens; the same token every call, so every call is a hit)',
      async: false,
      verify: (token) => fastJwtCached(token),
    },
    {
      name: 'jsonwebtoken verify',
      library: 'jsonwebtoken',
      setup: 'KeyObject secret created once (it has no typ check)',
      async: false,
      verify: (token) => jsonwebtoken.verify(token, jsonwebtokenKey, jsonwebtokenOptions),
    },
    {
      name: 'jsonwebtoken verify, string secret',
      library: 'jsonwebtoken',
      setup: 'the secret as a string, as most examples pass it: each call first tries to parse it as a PEM public key',
      async: false,
      verify: (token) => jsonwebtoken.verify(token, BENCH_ACCESS_SECRET, jsonwebtokenOptions),
    },
  ];
}
