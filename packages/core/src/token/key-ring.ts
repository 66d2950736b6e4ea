import { getAlgorithm } from './algorithms.js';
import type { JwtKey } from './key.js';

/**
 * The keys of an issuer: one that signs, and others that only verify: keys
 * published ahead of their turn (so every verifier knows them before the
 * first token they sign) and keys rotated out (so the tokens they signed stay
 * valid until they expire). The generalisation of go-zero's `PrevSecret`.
 */
export interface KeyRing {
  readonly signingKey: JwtKey;
  /** Every key that verifies, the signing key first. */
  readonly verificationKeys: readonly JwtKey[];
}

/** Options for {@link createKeyRing}. */
export interface KeyRingOptions {
  readonly signingKey: JwtKey;
  /** Keys that verify but do not sign: upcoming and retiring ones. */
  readonly verificationKeys?: readonly JwtKey[];
}

/**
 * Checks and assembles a key ring: the signing key must be able to sign and
 * must not be set to expire, and key ids must be unique across the ring.
 *
 * @example
 * const ring = createKeyRing({ signingKey: current, verificationKeys: [previous] });
 * createSessionManager({ ...options, signingKey: ring.signingKey, verificationKeys: ring.verificationKeys });
 */
export function createKeyRing(options: KeyRingOptions): KeyRing {
  const { signingKey } = options;
  getAlgorithm(signingKey.alg).assertKey(signingKey.key, 'sign');
  if (signingKey.notAfter !== undefined) throw new TypeError('the signing key cannot have a notAfter time');
  const keys = [signingKey];
  const kids = new Set([signingKey.kid]);
  for (const key of options.verificationKeys ?? []) {
    if (key === signingKey) continue;
    if (kids.has(key.kid)) throw new TypeError(`two keys of the ring share the key id "${key.kid}"`);
    getAlgorithm(key.alg).assertKey(key.key, 'verify');
    kids.add(key.kid);
    keys.push(key);
  }
  return Object.freeze({ signingKey, verificationKeys: Object.freeze(keys) });
}
