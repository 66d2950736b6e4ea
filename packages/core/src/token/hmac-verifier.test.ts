import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createHmacVerifier, type HmacHash } from './hmac-verifier.js';

const HASHES: readonly HmacHash[] = ['sha256', 'sha384', 'sha512'];

function reference(name: HmacHash, secret: Buffer, input: string): string {
  return createHmac(name, secret).update(input).digest('base64url');
}

/** Printable ASCII, some multi-byte characters, and lengths on both sides of the 1,024 bytes reserved at first. */
function randomInput(length: number): string {
  const alphabet = 'abcXYZ019-_.{}"é€😀\u0000';
  let text = '';
  for (let i = 0; i < length; i += 1) text += alphabet[Math.floor(Math.random() * alphabet.length)];
  return text;
}

describe('createHmacVerifier', () => {
  for (const name of HASHES) {
    it(`accepts exactly what createHmac computes with ${name}, for keys shorter and longer than the block`, () => {
      for (const keyBytes of [32, 48, 64, 127, 128, 129, 300]) {
        const secret = randomBytes(keyBytes);
        const verifier = createHmacVerifier(name, createSecretKey(secret));
        for (const length of [0, 1, 55, 56, 63, 64, 65, 300, 1023, 1500, 5000, 12]) {
          const input = randomInput(length);
          const mac = reference(name, secret, input);
          expect(verifier.verify(input, mac)).toBe(true);
          // The same input under another key, and another input under this key, do not pass.
          expect(verifier.verify(input, reference(name, randomBytes(keyBytes), input))).toBe(false);
          expect(verifier.verify(`${input}x`, mac)).toBe(false);
        }
      }
    });
  }

  it('refuses every single-character change of a genuine signature', () => {
    const secret = randomBytes(32);
    const verifier = createHmacVerifier('sha256', createSecretKey(secret));
    const input = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0';
    const mac = reference('sha256', secret, input);
    for (let i = 0; i < mac.length; i += 1) {
      for (const replacement of ['A', 'z', '-', '_', '0', '+', '/', '=', 'é', '\u0141']) {
        if (replacement === mac[i]) continue;
        expect(verifier.verify(input, mac.slice(0, i) + replacement + mac.slice(i + 1))).toBe(false);
      }
    }
  });

  it('refuses the non-canonical spellings, padded and standard-alphabet forms of a genuine signature', () => {
    const secret = randomBytes(32);
    const verifier = createHmacVerifier('sha256', createSecretKey(secret));
    // An input whose signature has a character that the standard base64 alphabet spells otherwise.
    let n = 0;
    while (!/[-_]/.test(reference('sha256', secret, `header.payload${n}`))) n += 1;
    const input = `header.payload${n}`;
    const raw = createHmac('sha256', secret).update(input).digest();
    const canonical = raw.toString('base64url');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 32 bytes leave two unused bits in the last of 43 characters: three other spellings decode alike.
    const last = alphabet.indexOf(canonical.at(-1) as string);
    for (let bits = 1; bits < 4; bits += 1) {
      const variant = canonical.slice(0, -1) + alphabet[last | bits];
      expect(Buffer.from(variant, 'base64url').equals(raw)).toBe(true);
      expect(verifier.verify(input, variant)).toBe(false);
    }
    expect(verifier.verify(input, `${canonical}=`)).toBe(false);
    expect(verifier.verify(input, raw.toString('base64').replace(/=+$/, ''))).toBe(false);
    expect(verifier.verify(input, '')).toBe(false);
    expect(verifier.verify(input, canonical.slice(1))).toBe(false);
  });

  it('gives the same answers after a long input has grown its buffer', () => {
    const secret = randomBytes(32);
    const verifier = createHmacVerifier('sha256', createSecretKey(secret));
    const long = randomInput(4000);
    const short = 'a.b';
    expect(verifier.verify(long, reference('sha256', secret, long))).toBe(true);
    expect(verifier.verify(short, reference('sha256', secret, short))).toBe(true);
    // What the long input left behind in the buffer is never hashed with the short one.
    expect(verifier.verify(short, reference('sha256', secret, `${short}${long.slice(3)}`))).toBe(false);
  });
});
