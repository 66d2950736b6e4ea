import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AuthError } from '../errors/auth-error.js';

/** Encrypts second-factor secrets at rest; see {@link createSecretCipher}. */
export interface SecretCipher {
  /** `v1.<key id>.<iv>.<ciphertext>.<tag>`, bound to `context` (the user id) as associated data. */
  encrypt(plaintext: Uint8Array, context: string): string;
  /** Throws `ERR_INTERNAL` when no configured key made it or it was altered; never says more. */
  decrypt(sealed: string, context: string): Uint8Array;
  /** The id of the key new secrets are sealed with. */
  readonly keyId: string;
}

const KEY_BYTES = 32;

/**
 * The id of a key: the first 8 bytes of a SHA-256 of it, so operators never
 * name keys by hand and a sealed value says which key opens it without
 * saying anything about the key.
 */
function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('jwtgate-mfa-key-id').update(key).digest('base64url').slice(0, 11);
}

/** A configured key: 32 bytes in base64 or base64url (e.g. `openssl rand -base64 32`). */
export function parseEncryptionKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null;
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === KEY_BYTES ? key : null;
}

/**
 * AES-256-GCM with a key ring: new secrets are sealed with `current`, and
 * `previous` keys still open what they sealed, so a key is rotated by making
 * it previous and letting users re-seal as they sign in (or leaving it there).
 * The user id is associated data, so a sealed secret copied onto another
 * user's row does not open.
 *
 * @example
 * const cipher = createSecretCipher({ current: key, previous: [oldKey] });
 * const sealed = cipher.encrypt(secret, user.id);
 */
export function createSecretCipher(options: {
  readonly current: Uint8Array;
  readonly previous?: readonly Uint8Array[];
}): SecretCipher {
  const keys = new Map<string, Buffer>();
  const all = [options.current, ...(options.previous ?? [])].map((key) => Buffer.from(key));
  for (const key of all) {
    if (key.length !== KEY_BYTES) throw new TypeError(`an MFA encryption key must be ${KEY_BYTES} bytes`);
    keys.set(keyIdOf(key), key);
  }
  const currentKey = all[0] as Buffer;
  const keyId = keyIdOf(currentKey);
  const fail = (reason: string) => new AuthError('ERR_INTERNAL', { reason });
  return {
    keyId,
    encrypt(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', currentKey, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return [
        'v1',
        keyId,
        iv.toString('base64url'),
        body.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
      ].join('.');
    },
    decrypt(sealed, context) {
      const parts = sealed.split('.');
      if (parts.length !== 5 || parts[0] !== 'v1') throw fail('mfa-secret-format');
      const key = keys.get(parts[1] as string);
      if (key === undefined) throw fail('mfa-secret-unknown-key');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[2] as string, 'base64url'));
        decipher.setAAD(Buffer.from(context));
        decipher.setAuthTag(Buffer.from(parts[4] as string, 'base64url'));
        return new Uint8Array(
          Buffer.concat([decipher.update(Buffer.from(parts[3] as string, 'base64url')), decipher.final()]),
        );
      } catch {
        throw fail('mfa-secret-altered');
      }
    },
  };
}
