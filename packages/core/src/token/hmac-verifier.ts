import { hash, type KeyObject, timingSafeEqual } from 'node:crypto';

/** The hashes behind HS256, HS384 and HS512. */
export type HmacHash = 'sha256' | 'sha384' | 'sha512';

/** RFC 2104's B (input block) and L (output) in bytes, per hash. */
const SIZES: Readonly<Record<HmacHash, { readonly block: number; readonly digest: number }>> = {
  sha256: { block: 64, digest: 32 },
  sha384: { block: 128, digest: 48 },
  sha512: { block: 128, digest: 64 },
};

/** Checks HMAC signatures made with one key. */
export interface HmacVerifier {
  /** Whether `signature` is the canonical base64url HMAC of `signingInput`'s UTF-8 bytes; compared in constant time. */
  verify(signingInput: string, signature: string): boolean;
}

/**
 * An HMAC (RFC 2104) checker for one secret key, made for the verification
 * of every protected request. `createHmac` costs more than the hash itself:
 * each call makes a JS object whose native handle the collector must
 * finalise, and has OpenSSL look the digest up and derive the key's inner
 * and outer pads again. Here the pads are derived once, and each check is
 * two one-shot `crypto.hash` calls over buffers kept from call to call:
 * H((K ^ opad) || H((K ^ ipad) || message)), exactly what `createHmac`
 * computes (the tests compare the two on random keys and inputs). The
 * expected and the given signature are compared as their base64url
 * spellings with `timingSafeEqual`, so a token has one valid spelling and
 * the comparison takes the same time wherever they differ.
 *
 * The pads are derived from the secret, so they stay in this closure and
 * in buffers of its own (never the shared pool), as the key itself does in
 * its `KeyObject`'s users.
 *
 * @example
 * const hs256 = createHmacVerifier('sha256', key.key);
 * hs256.verify(token.slice(0, token.lastIndexOf('.')), token.slice(token.lastIndexOf('.') + 1)); // true
 */
export function createHmacVerifier(name: HmacHash, key: KeyObject): HmacVerifier {
  const { block, digest } = SIZES[name];
  const exported = key.export();
  // A key longer than the block is hashed first (RFC 2104 §2).
  const secret = exported.length > block ? hash(name, exported, 'buffer') : exported;
  /** K ^ ipad, then room for the message; grown when a longer message comes. */
  let inner = Buffer.alloc(block + 1024);
  /** K ^ opad, then the inner digest. */
  const outer = Buffer.alloc(block + digest);
  for (let i = 0; i < block; i += 1) {
    const byte = i < secret.length ? (secret[i] as number) : 0;
    inner[i] = byte ^ 0x36;
    outer[i] = byte ^ 0x5c;
  }
  secret.fill(0);
  exported.fill(0);
  const signatureLength = Math.ceil((digest * 4) / 3);
  const expected = Buffer.alloc(signatureLength);
  const given = Buffer.alloc(signatureLength);
  return {
    verify(signingInput, signature) {
      if (signature.length !== signatureLength) return false;
      // UTF-8 as createHmac's update takes a string: at most three bytes per UTF-16 unit.
      const room = block + 3 * signingInput.length;
      if (inner.length < room) {
        const grown = Buffer.alloc(room);
        inner.copy(grown, 0, 0, block);
        inner.fill(0);
        inner = grown;
      }
      const written = inner.write(signingInput, block, 'utf8');
      // The inner digest travels as a 'binary' (latin1) string, one character per byte:
      // `crypto.hash` makes a string several times faster than a Buffer.
      outer.write(hash(name, inner.subarray(0, block + written), 'binary'), block, 'latin1');
      expected.write(hash(name, outer, 'base64url'), 'latin1');
      // Characters beyond ASCII take more than one byte: the write falls short, or a non-ASCII
      // byte meets the expected ASCII one, and the signature is refused either way.
      if (given.write(signature, 'utf8') !== signatureLength) return false;
      return timingSafeEqual(expected, given);
    },
  };
}
