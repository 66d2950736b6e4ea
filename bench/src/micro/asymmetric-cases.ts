import { createJwtSigner, generateJwtKey, type JwtKey, publicKeyOf } from '@jwtgate/core';
import fastJwt, { type Algorithm } from 'fast-jwt';
import { jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { BENCH_AUDIENCE, BENCH_ISSUER, BENCH_LEEWAY_SEC } from '../support/jwtgate-fixture.js';
import { createTokenSet, type TokenSet } from './token-set.js';
import { createBenchJwtVerifier, REQUIRED_CLAIMS, type VerifyCase } from './verify-cases.js';

/** The asymmetric algorithms compared: the two a new deployment would pick. */
export const asymmetricAlgorithms = ['ES256', 'EdDSA'] as const;
export type AsymmetricBenchAlgorithm = (typeof asymmetricAlgorithms)[number];

/**
 * The claims of the HS256 access token signed again with a fresh `alg` key
 * pair, and the attack tokens around it, signed with the same private key.
 *
 * @example
 * const { tokens, key } = createAsymmetricTokenSet('EdDSA', hs256Tokens.claims);
 */
export function createAsymmetricTokenSet(
  alg: AsymmetricBenchAlgorithm,
  claims: Readonly<Record<string, unknown>>,
): { tokens: TokenSet; key: JwtKey } {
  const key = generateJwtKey(alg);
  const token = createJwtSigner({ key, typ: 'at+jwt' }).sign({ ...claims });
  return { tokens: createTokenSet(token, Math.floor(Date.now() / 1000), key), key };
}

/**
 * The verifiers compared with an ES256 or EdDSA key: jwtgate's with its cache
 * of verified tokens (its default) and without, jose, fast-jwt with and
 * without its cache, and jsonwebtoken (which has no EdDSA). Each holds only
 * the public key, as a service that verifies tokens would.
 *
 * @example
 * const cases = createAsymmetricVerifyCases('ES256', key);
 */
export function createAsymmetricVerifyCases(alg: AsymmetricBenchAlgorithm, key: JwtKey): VerifyCase[] {
  const publicKey = publicKeyOf(key.key);
  const verifyOnly: JwtKey = { kid: key.kid, alg, key: publicKey };
  const cached = createBenchJwtVerifier(verifyOnly);
  const uncached = createBenchJwtVerifier(verifyOnly, { verifiedTokenCacheSize: 0 });
  const joseOptions = {
    algorithms: [alg],
    issuer: BENCH_ISSUER,
    audience: BENCH_AUDIENCE,
    typ: 'at+jwt',
    requiredClaims: REQUIRED_CLAIMS,
    clockTolerance: BENCH_LEEWAY_SEC,
  };
  const fastJwtOptions = {
    key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    algorithms: [alg] satisfies Algorithm[],
    allowedIss: BENCH_ISSUER,
    allowedAud: BENCH_AUDIENCE,
    checkTyp: 'at+jwt',
    requiredClaims: REQUIRED_CLAIMS,
    clockTolerance: BENCH_LEEWAY_SEC * 1000,
  };
  const fastJwtUncached = fastJwt.createVerifier({ ...fastJwtOptions, cache: false });
  const fastJwtCached = fastJwt.createVerifier({ ...fastJwtOptions, cache: true });
  const cases: VerifyCase[] = [
    {
      name: `${alg} jwtgate createJwtVerifier, cache off`,
      library: '@jwtgate/core',
      setup: 'verifiedTokenCacheSize: 0: node:crypto verify on every call',
      async: false,
      verify: (token) => uncached.verify(token).claims,
    },
    {
      name: `${alg} jwtgate createJwtVerifier`,
      library: '@jwtgate/core',
      setup: 'its default: cache of verified tokens on (the same token every call, so every call is a hit)',
      async: false,
      verify: (token) => cached.verify(token).claims,
    },
    {
      name: `${alg} jose jwtVerify`,
      library: 'jose',
      setup: 'public KeyObject',
      async: true,
      verify: async (token) => (await jwtVerify(token, publicKey, joseOptions)).payload,
    },
    {
      name: `${alg} fast-jwt createVerifier, cache off`,
      library: 'fast-jwt',
      setup: 'public key PEM, the default (cache: false)',
      async: false,
      verify: (token) => fastJwtUncached(token),
    },
    {
      name: `${alg} fast-jwt createVerifier, cache on`,
      library: 'fast-jwt',
      setup: 'cache: true (every call a hit)',
      async: false,
      verify: (token) => fastJwtCached(token),
    },
  ];
  if (alg === 'ES256') {
    const options: jsonwebtoken.VerifyOptions & { complete?: false } = {
      algorithms: ['ES256'],
      issuer: BENCH_ISSUER,
      audience: BENCH_AUDIENCE,
      clockTolerance: BENCH_LEEWAY_SEC,
    };
    cases.push({
      name: 'ES256 jsonwebtoken verify',
      library: 'jsonwebtoken',
      setup: 'public KeyObject (it has no typ check, nor EdDSA)',
      async: false,
      verify: (token) => jsonwebtoken.verify(token, publicKey, options),
    });
  }
  return cases;
}
