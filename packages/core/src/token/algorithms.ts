import {
  constants,
  createHmac,
  type KeyObject,
  type SignKeyObjectInput,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';

/** JWS algorithms jwtgate signs and verifies with (RFC 7518, RFC 8037). `none` is never one of them. */
export type JwsAlgorithm = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

/** The HMAC algorithms, whose keys are shared secrets. */
export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';

/** The algorithms with a private signing key and a public verification key. */
export type AsymmetricAlgorithm = Exclude<JwsAlgorithm, HmacAlgorithm>;

/** What an algorithm needs to sign, verify and vet its key. */
export interface AlgorithmImplementation {
  /** Throws a `TypeError` naming the problem when `key` cannot be used with this algorithm. */
  assertKey(key: KeyObject, use: 'sign' | 'verify'): void;
  /** Returns the base64url signature of `signingInput`. */
  sign(signingInput: string, key: KeyObject): string;
  /**
   * Whether `signature` (base64url) is valid for `signingInput`. Never throws:
   * a signature of the wrong length or shape is simply not valid.
   */
  verify(signingInput: string, signature: string, key: KeyObject): boolean;
  /**
   * The same check on libuv's thread pool, so that the event loop keeps
   * serving while it runs: present for the asymmetric algorithms only, whose
   * signatures cost 50-150 µs; an HMAC costs less than the hop to a thread.
   */
  verifyOffLoop?(signingInput: string, signature: string, key: KeyObject): Promise<boolean>;
}

/** Smallest RSA modulus accepted, in bits (RFC 7518 §3.3 and §3.5). */
export const MIN_RSA_MODULUS_BITS = 2048;

const DIGEST_BYTES = { sha256: 32, sha384: 48, sha512: 64 } as const;

function hmac(hash: 'sha256' | 'sha384' | 'sha512', minBytes: number): AlgorithmImplementation {
  /** The length of the one base64url spelling of a digest (unpadded): 43, 64 or 86 characters. */
  const spellingLength = Math.ceil((DIGEST_BYTES[hash] * 4) / 3);
  // Where the two spellings are compared, reused by every call (verification is synchronous):
  // `Buffer.from` on both made two objects per token for the collector.
  const expectedBytes = Buffer.alloc(spellingLength);
  const givenBytes = Buffer.alloc(spellingLength);
  return {
    assertKey(key) {
      if (key.type !== 'secret') {
        // Refusing public keys here is what stops HS/RS confusion (RFC 8725 §2.1).
        throw new TypeError(`HMAC algorithms need a secret key, got a ${key.type} key`);
      }
      const size = key.symmetricKeySize ?? 0;
      if (size < minBytes) {
        throw new TypeError(`HMAC secret is ${size} bytes; at least ${minBytes} are required (RFC 7518 §3.2)`);
      }
    },
    sign(signingInput, key) {
      return createHmac(hash, key).update(signingInput).digest('base64url');
    },
    verify(signingInput, signature, key) {
      // Comparing the canonical encodings rejects non-canonical base64url variants
      // of a valid signature, so a token has exactly one valid spelling.
      // The length of a signature is public: a wrong one needs no MAC to be refused.
      if (signature.length !== spellingLength) return false;
      expectedBytes.write(createHmac(hash, key).update(signingInput).digest('base64url'), 'latin1');
      // UTF-8, not latin1: a character above U+00FF must not alias the ASCII character of its low
      // byte. In UTF-8 every byte of a character outside ASCII is above 0x7F, so none can match the
      // expected spelling's; one that pushes the end out shows as fewer bytes written.
      if (givenBytes.write(signature, 'utf8') !== spellingLength) return false;
      return timingSafeEqual(expectedBytes, givenBytes);
    },
  };
}

/** How one asymmetric algorithm calls `crypto.sign`/`crypto.verify` and which keys it takes. */
interface AsymmetricProfile {
  readonly name: AsymmetricAlgorithm;
  /** `null` for Ed25519, which hashes internally. */
  readonly hash: 'sha256' | null;
  /** Key types (`KeyObject.asymmetricKeyType`) this algorithm accepts. */
  readonly keyTypes: readonly string[];
  /** Exact signature length in bytes, when the algorithm fixes it. */
  readonly signatureBytes?: number;
  /** Extra checks on the key, beyond its type. */
  readonly checkKey?: (key: KeyObject) => void;
  /** Extra checks on the decoded signature before it reaches OpenSSL. */
  readonly checkSignature?: (signature: Buffer) => boolean;
  /** Options passed with the key to `crypto.sign`/`crypto.verify`. */
  readonly keyOptions?: Omit<SignKeyObjectInput, 'key'>;
}

function checkRsaModulus(key: KeyObject): void {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_MODULUS_BITS) {
    throw new TypeError(`RSA keys must be at least ${MIN_RSA_MODULUS_BITS} bits, got ${bits}`);
  }
}

function isAllZero(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}

function asymmetric(profile: AsymmetricProfile): AlgorithmImplementation {
  const withOptions = (key: KeyObject): KeyObject | SignKeyObjectInput =>
    profile.keyOptions === undefined ? key : { key, ...profile.keyOptions };
  /** The decoded signature, or `null` when it can never be valid. */
  const signatureBytes = (signature: string): Buffer | null => {
    const bytes = Buffer.from(signature, 'base64url');
    // One spelling per signature, as for HMAC: padding bits set in the last
    // character would otherwise give a second valid token.
    if (bytes.toString('base64url') !== signature) return null;
    if (profile.signatureBytes !== undefined && bytes.length !== profile.signatureBytes) return null;
    if (profile.checkSignature !== undefined && !profile.checkSignature(bytes)) return null;
    return bytes;
  };
  return {
    assertKey(key, use) {
      // A secret offered to an asymmetric algorithm, or a key of the wrong family,
      // is refused here: the key decides what it can verify, never the token.
      if (key.type === 'secret') throw new TypeError(`${profile.name} needs an asymmetric key, got a secret`);
      if (use === 'sign' && key.type !== 'private') {
        throw new TypeError(`${profile.name} signs with a private key, got a ${key.type} key`);
      }
      const type = key.asymmetricKeyType ?? 'unknown';
      if (!profile.keyTypes.includes(type)) {
        throw new TypeError(`${profile.name} needs a ${profile.keyTypes.join(' or ')} key, got ${type}`);
      }
      profile.checkKey?.(key);
    },
    sign(signingInput, key) {
      return sign(profile.hash, Buffer.from(signingInput), withOptions(key)).toString('base64url');
    },
    verify(signingInput, signature, key) {
      const bytes = signatureBytes(signature);
      if (bytes === null) return false;
      try {
        return verify(profile.hash, Buffer.from(signingInput), withOptions(key), bytes);
      } catch {
        return false;
      }
    },
    verifyOffLoop(signingInput, signature, key) {
      const bytes = signatureBytes(signature);
      if (bytes === null) return Promise.resolve(false);
      return new Promise((resolve) => {
        try {
          // With a callback, node:crypto runs the check as a job on libuv's thread pool.
          verify(profile.hash, Buffer.from(signingInput), withOptions(key), bytes, (error, valid) => {
            resolve(error === null && valid);
          });
        } catch {
          resolve(false);
        }
      });
    },
  };
}

const implementations: Readonly<Record<JwsAlgorithm, AlgorithmImplementation>> = {
  HS256: hmac('sha256', 32),
  HS384: hmac('sha384', 48),
  HS512: hmac('sha512', 64),
  RS256: asymmetric({ name: 'RS256', hash: 'sha256', keyTypes: ['rsa'], checkKey: checkRsaModulus }),
  PS256: asymmetric({
    name: 'PS256',
    hash: 'sha256',
    keyTypes: ['rsa', 'rsa-pss'],
    checkKey(key) {
      checkRsaModulus(key);
      // An RSA-PSS key may be restricted to other parameters; it must allow SHA-256.
      const details = key.asymmetricKeyDetails;
      if (details?.hashAlgorithm !== undefined && details.hashAlgorithm !== 'sha256') {
        throw new TypeError(`PS256 needs an RSA-PSS key for sha256, got one restricted to ${details.hashAlgorithm}`);
      }
    },
    // RFC 7518 §3.5: the salt is as long as the hash.
    keyOptions: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
  }),
  ES256: asymmetric({
    name: 'ES256',
    hash: 'sha256',
    keyTypes: ['ec'],
    signatureBytes: 64,
    checkKey(key) {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve !== 'prime256v1') throw new TypeError(`ES256 needs a P-256 key, got ${curve ?? 'an unknown curve'}`);
    },
    // r and s are never 0. OpenSSL already refuses them; checking here means no
    // library underneath can ever be talked into CVE-2022-21449.
    checkSignature: (bytes) => !isAllZero(bytes, 0, 32) && !isAllZero(bytes, 32, 64),
    // JWS signatures are r || s (RFC 7518 §3.4), not DER.
    keyOptions: { dsaEncoding: 'ieee-p1363' },
  }),
  EdDSA: asymmetric({ name: 'EdDSA', hash: null, keyTypes: ['ed25519'], signatureBytes: 64 }),
};

/** Every supported algorithm name. */
export const supportedAlgorithms = Object.freeze(Object.keys(implementations)) as readonly JwsAlgorithm[];

/** Whether `value` names a supported algorithm. `none` never does. */
export function isSupportedAlgorithm(value: unknown): value is JwsAlgorithm {
  return typeof value === 'string' && Object.hasOwn(implementations, value);
}

/**
 * Whether `alg` is one of the HMAC algorithms, whose keys are shared secrets.
 *
 * @example
 * isHmacAlgorithm('HS256'); // true
 * isHmacAlgorithm('ES256'); // false
 */
export function isHmacAlgorithm(alg: JwsAlgorithm): alg is HmacAlgorithm {
  return alg === 'HS256' || alg === 'HS384' || alg === 'HS512';
}

/** The implementation behind an algorithm name. */
export function getAlgorithm(alg: JwsAlgorithm): AlgorithmImplementation {
  return implementations[alg];
}
