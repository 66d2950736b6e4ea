import { describe, expect, it } from 'vitest';
import { isAuthError } from '../errors/auth-error.js';
import { isDominatedByContext, passwordContextWords, refuseContextWords } from './context-words.js';
import { acceptNewPassword } from './password-screen.js';

const alice = passwordContextWords({ username: 'alice', email: 'alice@example.com' }, ['jwtgate']);

describe('passwordContextWords', () => {
  it('takes the username, the local part, the domain labels before the top-level one, and the service words', () => {
    expect(
      passwordContextWords({ username: 'Bob_Builder', email: 'bob.smith+jwt@mail.example.co.uk' }, ['Acme Corp', 'jw']),
    ).toEqual([
      'bob_builder',
      'bob',
      'builder',
      'bob.smith+jwt',
      'smith',
      'jwt',
      'mail',
      'example',
      'acme corp',
      'acme',
      'corp',
    ]);
  });

  it('folds each word with NFKC and lower case, and drops words shorter than 3 characters', () => {
    expect(passwordContextWords({ username: 'ＡＬ', email: 'jo@ex.io' }, ['Ｊｗｔｇａｔｅ'])).toEqual(['jwtgate']);
  });

  it('has nothing to add for an account without a name or an address', () => {
    expect(passwordContextWords({ username: null, email: null })).toEqual([]);
  });
});

describe('isDominatedByContext', () => {
  it.each([
    ['alice2024!', 'the username and digits'],
    ['Alice@example', 'the local part and the domain label'],
    ['jwtgate123', 'the service name and digits'],
    ['ALICE.EXAMPLE.2024', 'both words, in capitals, with separators'],
    ['ecila2024!', 'the username reversed'],
    ['AliceAlice', 'the username repeated'],
    ['aliceee!!1', 'the username and one repeated letter'],
    ['2024-example-!!', 'the domain label and symbols'],
    ['alice   jwtgate', 'two context words and spaces'],
  ])('refuses %s (%s)', (password) => {
    expect(isDominatedByContext(password, alice)).toBe(true);
  });

  it.each([
    ['alice likes green tea', 'a passphrase that merely contains the name'],
    ['correct horse battery staple', 'no context word at all'],
    ['malice aforethought', 'the name inside a longer word, with other words'],
    ['example of a long passphrase', 'the domain label inside a passphrase'],
    ['al1ce2024!', 'a spelling the rule does not undo (no leetspeak rules)'],
  ])('accepts %s (%s)', (password) => {
    expect(isDominatedByContext(password, alice)).toBe(false);
  });

  it('compares after NFKC and lower case: full-width and decomposed forms meet the plain word', () => {
    expect(isDominatedByContext('ＡＬＩＣＥ２０２４！', alice)).toBe(true);
    const josé = passwordContextWords({ username: 'José' });
    // "JOSE" followed by U+0301 COMBINING ACUTE ACCENT: NFKC composes it into É.
    expect(isDominatedByContext('JOSE\u0301-1990!', josé)).toBe(true);
    // The composed name and one with a different accent are different words.
    expect(isDominatedByContext('josè-1990!', josé)).toBe(false);
    expect(isDominatedByContext('ﬁsherman99', passwordContextWords({ username: 'fisherman' }))).toBe(true);
  });

  it('counts letters of any script in what remains', () => {
    const words = passwordContextWords({ username: 'alice' });
    expect(isDominatedByContext('alice東京大阪', words)).toBe(false);
    expect(isDominatedByContext('alice東東東1', words)).toBe(true);
  });

  it('does not make a new word of the letters on both sides of one taken out', () => {
    // Taking "bob" out of "abobc" leaves "a c", two letters: refused; but never "ac" read as a word.
    const words = passwordContextWords({ username: 'bob' });
    expect(isDominatedByContext('abobc123', words)).toBe(true);
    expect(isDominatedByContext('bobcat and a dog', words)).toBe(false);
  });

  it('refuses nothing without context words', () => {
    expect(isDominatedByContext('alice2024!', [])).toBe(false);
  });
});

describe('refuseContextWords and acceptNewPassword', () => {
  it('throws ERR_PASSWORD_CONTAINS_CONTEXT, with no word of the password in the error', () => {
    let caught: unknown;
    try {
      refuseContextWords('alice2024!', alice);
    } catch (error) {
      caught = error;
    }
    expect(isAuthError(caught, 'ERR_PASSWORD_CONTAINS_CONTEXT')).toBe(true);
    expect(JSON.stringify(caught)).not.toContain('alice');
    expect(String((caught as Error).message)).not.toContain('alice');
  });

  it('applies the length rule first and the screen only to a password the context rule let through', async () => {
    const seen: string[] = [];
    const screen = {
      async check(password: string) {
        seen.push(password);
      },
    };
    await expect(acceptNewPassword('alice1', screen, alice)).rejects.toMatchObject({ code: 'ERR_INVALID_PASSWORD' });
    await expect(acceptNewPassword('alice2024!', screen, alice)).rejects.toMatchObject({
      code: 'ERR_PASSWORD_CONTAINS_CONTEXT',
    });
    expect(seen).toEqual([]);
    await expect(acceptNewPassword('alice likes green tea', screen, alice)).resolves.toBe('alice likes green tea');
    expect(seen).toEqual(['alice likes green tea']);
  });
});
