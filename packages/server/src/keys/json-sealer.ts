import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** Seals JSON values under a key of one purpose, and opens them again. */
export interface JsonSealer<T> {
  /** `<version>.<iv>.<ciphertext>.<tag>`, base64url parts. */
  seal(value: T): string;
  /** Throws for text this key did not seal (another secret or purpose, or tampered with). */
  open(text: string): T;
}

/**
 * AES-256-GCM under a key derived (HKDF-SHA256) from `secret` for one
 * `purpose`, so one secret yields unrelated keys for unrelated uses.
 *
 * @example
 * const sealer = createJsonSealer<{ a: number }>(secret, { purpose: 'jwtgate example v1', version: 'x1' });
 * sealer.open(sealer.seal({ a: 1 })); // { a: 1 }
 */
export function createJsonSealer<T>(
  secret: string | Uint8Array,
  options: { readonly purpose: string; readonly version: string },
): JsonSealer<T> {
  const key = Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), options.purpose, 32));
  return {
    seal(value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return [
        options.version,
        iv.toString('base64url'),
        body.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
      ].join('.');
    },
    open(text) {
      const [version, iv, body, tag, extra] = text.split('.');
      if (
        version !== options.version ||
        iv === undefined ||
        body === undefined ||
        tag === undefined ||
        extra !== undefined
      ) {
        throw new Error('not a sealed value of this kind');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return JSON.parse(
        Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8'),
      ) as T;
    },
  };
}
