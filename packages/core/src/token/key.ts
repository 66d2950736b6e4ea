import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type KeyObject,
} from 'node:crypto';
import {
  type AsymmetricAlgorithm,
  getAlgorithm,
  isHmacAlgorithm,
  isSupportedAlgorithm,
  type JwsAlgorithm,
} from './algorithms.js';

/**
 * A key bound to exactly one algorithm and one key id. The token header
 * selects a key by `kid` (or by `alg` among id-less candidates) but can never
 * change which algorithm a key is used with.
 */
export interface JwtKey {
  readonly kid: string;
  readonly alg: JwsAlgorithm;
  /** A secret (HMAC), a private key (signs and verifies) or a public key (verifies only). */
  readonly key: KeyObject;
  /**
   * Milliseconds since the epoch after which the key verifies nothing: a key
   * rotated out stops being trusted once every token it signed has expired,
   * even in a process that runs for weeks.
   */
  readonly notAfter?: number;
}

/** Options for {@link createSecretJwtKey}. */
export interface SecretJwtKeyOptions {
  /** The shared secret, as text (go-zero's `AccessSecret`) or bytes. */
  secret: string | Uint8Array;
  /** Defaults to `HS256`. */
  alg?: JwsAlgorithm;
  /** Defaults to an id derived one-way from the secret, stable across restarts and instances. */
  kid?: string;
  notAfter?: number;
}

/**
 * Binds a shared secret to an HMAC algorithm.
 *
 * @example
 * const key = createSecretJwtKey({ secret: process.env.ACCESS_SECRET! });
 */
export function createSecretJwtKey(options: SecretJwtKeyOptions): JwtKey {
  const alg = options.alg ?? 'HS256';
  if (!isSupportedAlgorithm(alg) || !isHmacAlgorithm(alg)) {
    throw new TypeError(`a secret key needs an HMAC algorithm (HS256, HS384, HS512), got ${String(alg)}`);
  }
  const bytes = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret);
  const key = createSecretKey(bytes);
  getAlgorithm(alg).assertKey(key, 'sign');
  const kid = options.kid ?? deriveKeyId(key);
  return freezeKey({ kid, alg, key, notAfter: options.notAfter });
}

/** Options for {@link createAsymmetricJwtKey}. */
export interface AsymmetricJwtKeyOptions {
  /**
   * A private key (signs and verifies) or a public key (verifies only): a
   * `KeyObject`, or PEM text (PKCS#8, PKCS#1, SEC1 or SPKI). For JWKs use `importJwk`.
   */
  key: KeyObject | string;
  /**
   * The algorithm the key is bound to. May be left out for P-256 (ES256) and
   * Ed25519 (EdDSA) keys, which fit one algorithm only; an RSA key fits RS256
   * and PS256, so it needs one.
   */
  alg?: AsymmetricAlgorithm;
  /** Defaults to the key's RFC 7638 thumbprint, which every party computes alike. */
  kid?: string;
  notAfter?: number;
}

/**
 * Binds an RSA, EC or Ed25519 key to one algorithm, after checking that the key
 * fits it (RSA of at least 2048 bits, P-256 for ES256, Ed25519 for EdDSA).
 *
 * @example
 * const key = createAsymmetricJwtKey({ key: readFileSync('signing-key.pem', 'utf8'), alg: 'ES256' });
 */
export function createAsymmetricJwtKey(options: AsymmetricJwtKeyOptions): JwtKey {
  const key = typeof options.key === 'string' ? parsePem(options.key) : options.key;
  const alg = options.alg ?? inferAlgorithm(key);
  if (!isSupportedAlgorithm(alg) || isHmacAlgorithm(alg)) {
    throw new TypeError(`an asymmetric key needs RS256, PS256, ES256 or EdDSA, got ${String(alg)}`);
  }
  getAlgorithm(alg).assertKey(key, 'verify');
  const kid = options.kid ?? jwkThumbprint(key);
  return freezeKey({ kid, alg, key, notAfter: options.notAfter });
}

/** The one algorithm a key fits, for the key types that fit only one. */
function inferAlgorithm(key: KeyObject): AsymmetricAlgorithm {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    throw new TypeError('an RSA key fits both RS256 and PS256: say which algorithm it is for');
  }
  throw new TypeError(`no supported algorithm fits a ${key.asymmetricKeyType ?? key.type} key`);
}

function parsePem(text: string): KeyObject {
  if (!text.includes('-----BEGIN ')) throw new TypeError('the key is not PEM text (no -----BEGIN line)');
  if (/-----BEGIN (ENCRYPTED |RSA |EC |OPENSSH )?PRIVATE KEY-----/.test(text)) {
    try {
      return createPrivateKey(text);
    } catch {
      // Node's message may quote the input; ours says what to do instead.
      throw new TypeError('the private key PEM cannot be read (encrypted keys are not supported: decrypt it first)');
    }
  }
  try {
    return createPublicKey(text);
  } catch {
    throw new TypeError('the PEM text is neither a private key nor a public key');
  }
}

function freezeKey(key: { kid: string; alg: JwsAlgorithm; key: KeyObject; notAfter: number | undefined }): JwtKey {
  assertKeyId(key.kid);
  if (key.notAfter !== undefined && !Number.isFinite(key.notAfter)) {
    throw new TypeError('notAfter must be a finite number of milliseconds since the epoch');
  }
  const { notAfter, ...rest } = key;
  return Object.freeze(notAfter === undefined ? rest : { ...rest, notAfter });
}

/** A short, non-reversible id for a secret so that tokens name their key without revealing it. */
function deriveKeyId(key: KeyObject): string {
  return `hs-${createHmac('sha256', key).update('jwtgate key id').digest('base64url').slice(0, 12)}`;
}

/** The members of each key type that RFC 7638 hashes, in the order it requires. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
};

/**
 * The RFC 7638 JWK thumbprint (SHA-256, base64url) of an asymmetric key's
 * public part: a key id every party derives alike from the key alone.
 *
 * @example
 * jwkThumbprint(publicKey); // 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
 */
export function jwkThumbprint(key: KeyObject): string {
  if (key.type === 'secret') throw new TypeError('secret keys have no public thumbprint');
  const jwk = publicKeyOf(key).export({ format: 'jwk' }) as Record<string, unknown>;
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (members === undefined) throw new TypeError(`unsupported key type ${String(jwk.kty)}`);
  const canonical = `{${members.map((name) => `${JSON.stringify(name)}:${JSON.stringify(jwk[name])}`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * The public half of an asymmetric key (itself, when it is public already).
 *
 * @example
 * publicKeyOf(privateKey).export({ format: 'jwk' }); // { kty: 'EC', crv: 'P-256', x, y }
 */
export function publicKeyOf(key: KeyObject): KeyObject {
  return key.type === 'public' ? key : createPublicKey(key);
}

/** Key ids are plain labels; anything that could act as a path or markup is refused up front. */
export function assertKeyId(kid: string): void {
  if (typeof kid !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(kid)) {
    throw new TypeError(`key id "${String(kid)}" must be 1-128 characters of A-Z a-z 0-9 . _ -`);
  }
}
