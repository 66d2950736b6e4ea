import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { isHmacAlgorithm, isSupportedAlgorithm, type JwsAlgorithm } from './algorithms.js';
import { createAsymmetricJwtKey, createSecretJwtKey, type JwtKey } from './key.js';

/** Bytes of a generated HMAC secret: enough for HS512 (RFC 7518 §3.2), so one length serves every HS algorithm. */
const SECRET_BYTES = 64;

function generatePrivateKey(alg: Exclude<JwsAlgorithm, 'HS256' | 'HS384' | 'HS512'>): KeyObject {
  switch (alg) {
    case 'RS256':
    case 'PS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    case 'EdDSA':
      return generateKeyPairSync('ed25519').privateKey;
  }
}

/**
 * A fresh key for `alg`: a 64-byte random secret for HMAC, otherwise a new
 * private key (RSA 2048, P-256 or Ed25519). The key id defaults to what
 * `createSecretJwtKey` or `createAsymmetricJwtKey` derive.
 *
 * @example
 * const key = generateJwtKey('ES256', { kid: '2030-01' });
 */
export function generateJwtKey(alg: JwsAlgorithm, options: { kid?: string } = {}): JwtKey {
  if (!isSupportedAlgorithm(alg)) throw new TypeError(`unsupported algorithm ${String(alg)}`);
  const kid = options.kid === undefined ? {} : { kid: options.kid };
  if (isHmacAlgorithm(alg)) return createSecretJwtKey({ secret: randomBytes(SECRET_BYTES), alg, ...kid });
  return createAsymmetricJwtKey({ key: generatePrivateKey(alg), alg, ...kid });
}
