import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';

/** JWS algorithms jwtgate signs and verifies with. */
export type JwsAlgorithm = 'HS256' | 'HS384' | 'HS512';

/** What an algorithm needs to sign, verify and vet its key. */
export interface AlgorithmImplementation {
  /** Throws a `TypeError` naming the problem when `key` cannot be used with this algorithm. */
  assertKey(key: KeyObject, use: 'sign' | 'verify'): void;
  /** Returns the base64url signature of `signingInput`. */
  sign(signingInput: string, key: KeyObject): string;
  /** Whether `signature` (base64url) is valid for `signingInput`; constant-time where it matters. */
  verify(signingInput: string, signature: string, key: KeyObject): boolean;
}

function hmac(hash: 'sha256' | 'sha384' | 'sha512', minBytes: number): AlgorithmImplementation {
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
      const expected = Buffer.from(createHmac(hash, key).update(signingInput).digest('base64url'));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}

const implementations: Readonly<Record<JwsAlgorithm, AlgorithmImplementation>> = {
  HS256: hmac('sha256', 32),
  HS384: hmac('sha384', 48),
  HS512: hmac('sha512', 64),
};

/** Every supported algorithm name. */
export const supportedAlgorithms = Object.freeze(Object.keys(implementations)) as readonly JwsAlgorithm[];

/** Whether `value` names a supported algorithm. `none` never does. */
export function isSupportedAlgorithm(value: unknown): value is JwsAlgorithm {
  return typeof value === 'string' && Object.hasOwn(implementations, value);
}

/** The implementation behind an algorithm name. */
export function getAlgorithm(alg: JwsAlgorithm): AlgorithmImplementation {
  return implementations[alg];
}
