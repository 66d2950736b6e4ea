import { describe, expect, it } from 'vitest';
import { isAuthError } from '../errors/auth-error.js';
import { normaliseEmail, normaliseNewEmail } from './email.js';

function refusal(input: unknown, normalise: (input: unknown) => unknown = normaliseEmail): string | undefined {
  try {
    normalise(input);
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

  it('keeps finding an account by any spelling whose key meets its own', () => {
    // Look-ups only: mail goes to the address the account has, never to the one typed.
    expect(normaliseEmail('v\u0131ctor@example.com').key).toBe('victor@example.com');
  });
});

describe('normaliseNewEmail', () => {
  const ambiguity = (input: string) => refusal(input, normaliseNewEmail);

  it('accepts the addresses people have, in any case, international domains included', () => {
    for (const input of [
      'Alice.B@Example.COM',
      'bob+jwt@b\u00fccher.example',
      'Zo\u00eb@BÜCHER.example',
      'a@1.example',
    ]) {
      expect(ambiguity(input), input).toBeUndefined();
      expect(normaliseNewEmail(input)).toEqual(normaliseEmail(input));
    }
  });

  it('refuses a domain whose key would be another domain (ı, ß, ς), or whose mail goes to another key (fullwidth)', () => {
    for (const input of [
      'a@gma\u0131l.com',
      'a@stra\u00dfe.de',
      'a@\u03b1\u03c2.example',
      'a@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com',
      'a@EXAMPLE.\uff43\uff4f\uff4d',
    ]) {
      expect(ambiguity(input), input).toBe('ambiguous');
    }
  });

  it('refuses a local part that folds into another (ı, ß, ſ, ligatures)', () => {
    for (const input of [
      'vi\u0131tor@example.com',
      'stra\u00dfe@example.com',
      '\u017fam@example.com',
      'o\ufb03ce@example.com',
    ]) {
      expect(ambiguity(input), input).toBe('ambiguous');
    }
  });
});
