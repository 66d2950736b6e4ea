import { describe, expect, it } from 'vitest';
import { isAuthError } from '../errors/auth-error.js';
import { normaliseEmail } from './email.js';

function refusal(input: unknown): string | undefined {
  try {
    normaliseEmail(input);
    return undefined;
  } catch (error) {
    return isAuthError(error, 'ERR_INVALID_EMAIL') ? error.reason : 'other';
  }
}

describe('normaliseEmail', () => {
  it('trims, keeps the address as given and folds the case of the whole address for the key', () => {
    expect(normaliseEmail('  Alice.B@Example.COM\t')).toEqual({
      email: 'Alice.B@Example.COM',
      key: 'alice.b@example.com',
    });
  });

  it('gives composed and decomposed spellings of one address one form and one key', () => {
    const composed = normaliseEmail('Zo\u00eb@example.org');
    const decomposed = normaliseEmail('Zoe\u0308@example.org');
    expect(decomposed).toEqual(composed);
    expect(composed.key).toBe('zo\u00eb@example.org');
  });

  it('refuses what is not one plain address', () => {
    for (const input of [
      '',
      '   ',
      'alice',
      '@example.com',
      'alice@',
      'alice@localhost',
      'a@b@example.com',
      'alice smith@example.com',
      'Alice <alice@example.com>',
      'alice@example.com, bob@example.com',
      'alice@-example.com',
      'alice@example..com',
      '.alice@example.com',
      'al..ice@example.com',
      'alice\u0000@example.com',
      `${'a'.repeat(65)}@example.com`,
      `a@${'b'.repeat(250)}.com`,
      42,
      null,
    ]) {
      expect(refusal(input), String(input)).toMatch(/^(format|length)$/);
    }
  });

  it('accepts international domains and plus addressing', () => {
    expect(normaliseEmail('bob+jwt@bücher.example').key).toBe('bob+jwt@bücher.example');
  });
});
