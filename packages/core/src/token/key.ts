import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { getAlgorithm, isSupportedAlgorithm, type JwsAlgorithm } from './algorithms.js';

/**
 * A key bound to exactly one algorithm and one key id. The token header
 * selects a key by `kid` (or by `alg` among id-less candidates) but can never
 * change which algorithm a key is used with.
 */
export interface JwtKey {
  readonly kid: string;
  readonly alg: JwsAlgorithm;
  readonly key: KeyObject;
}

/** Options for {@link createSecretJwtKey}. */
export interface SecretJwtKeyOptions {
  /** The shared secret, as text (go-zero's `AccessSecret`) or bytes. */
  secret: string | Uint8Array;
  /** Defaults to `HS256`. */
  alg?: JwsAlgorithm;
  /** Defaults to an id derived one-way from the secret, stable across restarts and instances. */
  kid?: string;
}

/**
 * Binds a shared secret to an HMAC algorithm.
 *
 * @example
 * const key = createSecretJwtKey({ secret: process.env.ACCESS_SECRET! });
 */
export function createSecretJwtKey(options: SecretJwtKeyOptions): JwtKey {
  const alg = options.alg ?? 'HS256';
  if (!isSupportedAlgorithm(alg) || !alg.startsWith('HS')) {
    throw new TypeError(`a secret key needs an HMAC algorithm (HS256, HS384, HS512), got ${String(alg)}`);
  }
  const bytes = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret);
  const key = createSecretKey(bytes);
  getAlgorithm(alg).assertKey(key, 'sign');
  const kid = options.kid ?? deriveKeyId(key);
  assertKeyId(kid);
  return Object.freeze({ kid, alg, key });
}

/** A short, non-reversible id for a secret so that tokens name their key without revealing it. */
function deriveKeyId(key: KeyObject): string {
  return `hs-${createHmac('sha256', key).update('jwtgate key id').digest('base64url').slice(0, 12)}`;
}

/** Key ids are plain labels; anything that could act as a path or markup is refused up front. */
export function assertKeyId(kid: string): void {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(kid)) {
    throw new TypeError(`key id "${kid}" must be 1-128 characters of A-Z a-z 0-9 . _ -`);
  }
}
