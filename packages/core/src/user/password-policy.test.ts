import { describe, expect, it, vi } from 'vitest';
import { AuthError } from '../errors/auth-error.js';
import { acceptPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-policy.js';

function refusal(input: unknown): AuthError {
  let thrown: unknown;
  try {
    acceptPassword(input as string);
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) expect.fail('expected the password to be refused');
  expect(thrown).toBeInstanceOf(AuthError);
  const error = thrown as AuthError;
  expect(error.code).toBe('ERR_INVALID_PASSWORD');
  expect(error.status).toBe(400);
  expect(error.reason).toBe('length');
  if (typeof input === 'string' && input.length > 0) expect(error.message).not.toContain(input);
  return error;
}

describe('acceptPassword', () => {
  it('allows 8 to 1024 characters', () => {
    expect([PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH]).toEqual([8, 1024]);
  });

  it('refuses 7 code points and accepts 8', () => {
    refusal('a'.repeat(7));
    expect(acceptPassword('a'.repeat(8))).toBe('a'.repeat(8));
  });

  it('accepts 1024 code points and refuses 1025', () => {
    expect(acceptPassword('a'.repeat(1024))).toBe('a'.repeat(1024));
    refusal('a'.repeat(1025));
  });

  it('refuses the empty password', () => {
    refusal('');
  });

  it('counts an astral character as one, at the lower bound', () => {
    // Seven 😀 are fourteen UTF-16 units but seven characters.
    refusal('😀'.repeat(7));
    expect(acceptPassword('😀'.repeat(8))).toBe('😀'.repeat(8));
  });

  it('counts an astral character as one, at the upper bound', () => {
    expect(acceptPassword('😀'.repeat(1024))).toBe('😀'.repeat(1024));
    refusal('😀'.repeat(1025));
  });

  it('returns the password in NFKC', () => {
    expect(acceptPassword('ｐａｓｓｗｏｒｄ')).toBe('password');
    expect(acceptPassword('café\u0301 au lait'.replace('é\u0301', 'e\u0301'))).toBe('café au lait');
    expect(acceptPassword('Ｃａｆｅ\u0301 ２４／７')).toBe(acceptPassword('Café 24/7'));
  });

  it('measures the length after NFKC', () => {
    // ﬁ (one code point) becomes "fi"; e + combining acute (two) becomes é (one).
    expect(acceptPassword('ﬁ'.repeat(4))).toBe('fi'.repeat(4));
    refusal('e\u0301'.repeat(7));
    expect(acceptPassword('e\u0301'.repeat(8))).toBe('é'.repeat(8));
  });

  it('has no composition rules: any eight characters will do', () => {
    for (const password of ['aaaaaaaa', '12345678', '        ', 'correct horse', 'пароль12', '密码密码密码密码']) {
      expect(acceptPassword(password)).toBe(password.normalize('NFKC'));
    }
  });

  it('refuses a 100 kB password', () => {
    refusal('a'.repeat(100_000));
    refusal('😀'.repeat(50_000));
  });

  it('refuses very long input before normalising it', () => {
    // NFKC turns each U+FDFA into 18 characters: normalising this would take a noticeable while.
    // A clock would measure the machine's load as much as the code; what matters is that no
    // normalisation of the long input starts, which the calls to normalize() show.
    const expensive = '\uFDFA'.repeat(1_000_000);
    const normalize = vi.spyOn(String.prototype, 'normalize');
    try {
      refusal(expensive);
      const lengths = normalize.mock.contexts.map((text) => String(text).length);
      expect(lengths).not.toContain(expensive.length);
    } finally {
      normalize.mockRestore();
    }
  });

  it('throws AuthError ERR_INVALID_PASSWORD for input that is not a string', () => {
    for (const input of [undefined, null, 12345678, {}, ['password123'], new String('password123')]) {
      refusal(input);
    }
  });
});
