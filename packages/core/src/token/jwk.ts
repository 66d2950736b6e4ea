import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { type AsymmetricAlgorithm, isHmacAlgorithm, isSupportedAlgorithm } from './algorithms.js';
import { createAsymmetricJwtKey, type JwtKey, publicKeyOf } from './key.js';

/** A public key as published in a JWK Set (RFC 7517): only public members, always with `kid`, `alg` and `use`. */
export interface PublicJwk {
  readonly kty: 'RSA' | 'EC' | 'OKP';
  readonly kid: string;
  readonly alg: AsymmetricAlgorithm;
  readonly use: 'sig';
  /** RSA modulus. */
  readonly n?: string;
  /** RSA public exponent. */
  readonly e?: string;
  /** EC or OKP curve. */
  readonly crv?: string;
  readonly x?: string;
  /** EC only. */
  readonly y?: string;
}

/** A JWK Set of public keys, as `GET /.well-known/jwks.json` serves it. */
export interface PublicJwkSet {
  readonly keys: readonly PublicJwk[];
}

/**
 * The members each key type may publish. This is an allow-list on purpose:
 * whatever else a key object exports (`d`, `p`, `q`, `dp`, `dq`, `qi`, `k`,
 * or anything a future Node adds) is never copied.
 */
const PUBLIC_MEMBERS: Readonly<Record<PublicJwk['kty'], readonly ('n' | 'e' | 'crv' | 'x' | 'y')[]>> = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x'],
};

function isPublicKty(kty: unknown): kty is PublicJwk['kty'] {
  return kty === 'RSA' || kty === 'EC' || kty === 'OKP';
}

/**
 * The public JWK of an asymmetric key, for publishing. Throws a `TypeError`
 * for an HMAC key: a shared secret is never published.
 *
 * @example
 * exportPublicJwk(key); // { kty: 'EC', crv: 'P-256', x: '…', y: '…', kid: '…', alg: 'ES256', use: 'sig' }
 */
export function exportPublicJwk(key: JwtKey): PublicJwk {
  if (key.key.type === 'secret' || isHmacAlgorithm(key.alg)) {
    throw new TypeError(`key "${key.kid}" is an HMAC secret and is never published`);
  }
  const exported = publicKeyOf(key.key).export({ format: 'jwk' }) as Record<string, unknown>;
  const kty = exported.kty;
  if (!isPublicKty(kty)) throw new TypeError(`key "${key.kid}" has the unsupported key type ${String(kty)}`);
  const jwk: Record<string, unknown> = { kty };
  for (const member of PUBLIC_MEMBERS[kty]) {
    if (typeof exported[member] === 'string') jwk[member] = exported[member];
  }
  jwk.kid = key.kid;
  jwk.alg = key.alg;
  jwk.use = 'sig';
  return Object.freeze(jwk) as unknown as PublicJwk;
}

/**
 * The JWK Set to publish: the asymmetric keys among `keys` that still verify
 * at `now` (ms), once each. HMAC secrets are left out.
 *
 * @example
 * const jwks = toPublicJwkSet(ring.verificationKeys, clock.now());
 */
export function toPublicJwkSet(keys: readonly JwtKey[], now: number): PublicJwkSet {
  const seen = new Set<string>();
  const published: PublicJwk[] = [];
  for (const key of keys) {
    if (key.key.type === 'secret' || isHmacAlgorithm(key.alg) || seen.has(key.kid)) continue;
    if (key.notAfter !== undefined && now > key.notAfter) continue;
    seen.add(key.kid);
    published.push(exportPublicJwk(key));
  }
  return { keys: published };
}

/** Options for {@link importJwk}. */
export interface ImportJwkOptions {
  /**
   * The algorithm the key is bound to. Required for an RSA JWK without `alg`
   * (RS256 and PS256 both use RSA keys); when the JWK names its own `alg`, the two must agree.
   */
  alg?: AsymmetricAlgorithm;
  /** Overrides the JWK's `kid`; without either, the RFC 7638 thumbprint. */
  kid?: string;
  /**
   * `'sign'` keeps the private part (and requires one), for a signing key
   * from a key file. Defaults to `'verify'`, which imports the public part
   * only, even from a JWK that carries private members.
   */
  use?: 'sign' | 'verify';
  notAfter?: number;
}

/**
 * Imports an RSA, EC or OKP (Ed25519) JWK as a key bound to one algorithm.
 * Refuses symmetric (`kty: "oct"`) JWKs: an HMAC secret comes from
 * configuration, never from a key set, or a published set could hand out
 * the key that forges tokens. Refuses keys whose `use` or `key_ops` exclude
 * signatures.
 *
 * @example
 * const key = importJwk({ kty: 'EC', crv: 'P-256', x: '…', y: '…', kid: 'k1', alg: 'ES256' });
 */
export function importJwk(input: unknown, options: ImportJwkOptions = {}): JwtKey {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new TypeError('a JWK must be a JSON object');
  }
  const jwk = input as Record<string, unknown>;
  const use = options.use ?? 'verify';
  if (jwk.kty === 'oct') {
    throw new TypeError('symmetric (oct) JWKs are never imported: HMAC secrets come from configuration');
  }
  if (!isPublicKty(jwk.kty)) throw new TypeError(`unsupported JWK key type ${JSON.stringify(jwk.kty) ?? 'none'}`);
  if (jwk.use !== undefined && jwk.use !== 'sig')
    throw new TypeError('the JWK is not for signatures (use is not "sig")');
  if (jwk.key_ops !== undefined) {
    const ops = jwk.key_ops;
    if (!Array.isArray(ops) || !ops.includes(use)) throw new TypeError(`the JWK's key_ops do not allow "${use}"`);
  }
  const alg = chooseAlgorithm(jwk, options.alg);
  const kid = options.kid ?? jwk.kid;
  if (kid !== undefined && typeof kid !== 'string') throw new TypeError('the JWK kid must be a string');
  let key: KeyObject;
  try {
    if (use === 'sign') {
      if (typeof jwk.d !== 'string') throw new TypeError('no private part');
      key = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } else {
      const publicPart: Record<string, unknown> = { kty: jwk.kty };
      for (const member of PUBLIC_MEMBERS[jwk.kty]) if (jwk[member] !== undefined) publicPart[member] = jwk[member];
      key = createPublicKey({ key: publicPart as JsonWebKey, format: 'jwk' });
    }
  } catch {
    // Node's messages can quote key material; this one names only what failed.
    throw new TypeError(`the ${jwk.kty} JWK is not a valid ${use === 'sign' ? 'private' : 'public'} key`);
  }
  // Without an alg, the key type decides where it fits only one algorithm (P-256, Ed25519).
  return createAsymmetricJwtKey({
    key,
    ...(alg === undefined ? {} : { alg }),
    ...(kid === undefined ? {} : { kid }),
    ...(options.notAfter === undefined ? {} : { notAfter: options.notAfter }),
  });
}

function chooseAlgorithm(
  jwk: Record<string, unknown>,
  wanted: AsymmetricAlgorithm | undefined,
): AsymmetricAlgorithm | undefined {
  const named = jwk.alg;
  if (named === undefined) return wanted;
  if (!isSupportedAlgorithm(named) || isHmacAlgorithm(named)) {
    throw new TypeError(`the JWK names the unsupported algorithm ${JSON.stringify(named)}`);
  }
  if (wanted !== undefined && wanted !== named) throw new TypeError(`the JWK is for ${named}, not ${wanted}`);
  return named;
}
