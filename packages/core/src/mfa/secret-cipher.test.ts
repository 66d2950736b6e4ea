import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../errors/auth-error.js';
import { createSecretCipher, parseEncryptionKey } from './secret-cipher.js';

const secret = new Uint8Array(randomBytes(20));

function refusal(run: () => unknown): AuthError {
  try {
    run();
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('createSecretCipher', () => {
  it('opens what it sealed, and never seals the same secret the same way twice', () => {
    const cipher = createSecretCipher({ current: randomBytes(32) });
    const [a, b] = [cipher.encrypt(secret, 'user-1'), cipher.encrypt(secret, 'user-1')];
    expect(a).not.toBe(b);
    expect(a.startsWith(`v1.${cipher.keyId}.`)).toBe(true);
    expect(cipher.decrypt(a, 'user-1')).toEqual(secret);
    expect(a).not.toContain(Buffer.from(secret).toString('base64url'));
  });

  it('opens secrets sealed with a previous key after a rotation, and seals new ones with the current key', () => {
    const [old, current] = [randomBytes(32), randomBytes(32)];
    const before = createSecretCipher({ current: old });
    const sealed = before.encrypt(secret, 'user-1');
    const after = createSecretCipher({ current, previous: [old] });
    expect(after.decrypt(sealed, 'user-1')).toEqual(secret);
    expect(after.encrypt(secret, 'user-1').split('.')[1]).toBe(after.keyId);
    expect(after.keyId).not.toBe(before.keyId);
    // Once the old key is dropped, what it sealed no longer opens.
    expect(refusal(() => createSecretCipher({ current }).decrypt(sealed, 'user-1')).reason).toBe(
      'mfa-secret-unknown-key',
    );
  });

  it('refuses a sealed secret moved onto another user, or altered in any part', () => {
    const cipher = createSecretCipher({ current: randomBytes(32) });
    const sealed = cipher.encrypt(secret, 'user-1');
    expect(refusal(() => cipher.decrypt(sealed, 'user-2')).code).toBe('ERR_INTERNAL');
    const parts = sealed.split('.');
    for (const index of [2, 3, 4]) {
      const altered = [...parts];
      const part = altered[index] as string;
      altered[index] = `${part.slice(0, -2)}${part.endsWith('AA') ? 'BB' : 'AA'}`;
      expect(refusal(() => cipher.decrypt(altered.join('.'), 'user-1')).code).toBe('ERR_INTERNAL');
    }
    expect(refusal(() => cipher.decrypt('plain text', 'user-1')).reason).toBe('mfa-secret-format');
  });

  it('takes only 32-byte keys', () => {
    expect(() => createSecretCipher({ current: randomBytes(16) })).toThrow(TypeError);
    expect(parseEncryptionKey(randomBytes(32).toString('base64'))).toHaveLength(32);
    expect(parseEncryptionKey(randomBytes(32).toString('base64url'))).toHaveLength(32);
    expect(parseEncryptionKey(randomBytes(31).toString('base64'))).toBeNull();
    expect(parseEncryptionKey('not base64 at all!')).toBeNull();
  });
});
