import { describe, expect, it, vi } from 'vitest';
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
    ['alice likes green tea 4ever', 'a passphrase with a digit standing for a word: its other words bring letters'],
    ['my 2 cats and 3 dogs', 'digits in a passphrase without a context word'],
  ])('accepts %s (%s)', (password) => {
    expect(isDominatedByContext(password, alice)).toBe(false);
  });

  it.each([
    ['4l1c3-2024!', 'every substitutable letter of the username'],
    ['AL1CE2024', 'one for i, in capitals'],
    ['a1ice-1999', 'one for l'],
    ['a11ce!!', 'one for l and one for i: each 1 read as the word needs it'],
    ['@l!c3-99', '@ for a, ! for i'],
    ['3c1l4-2024', 'the username reversed, in leetspeak'],
    ['3c!l@!!!', 'reversed, with symbols'],
    ['jw79473-2024', 'the service name'],
    ['3x4mp13.2024', 'the domain label'],
    ['4l1c3-1337', 'digits left over are not read as letters'],
    ['4LIC3|3XAMPL3', 'two words in leetspeak'],
  ])('refuses %s in leetspeak (%s)', (password) => {
    expect(isDominatedByContext(password, alice)).toBe(true);
  });

  it('reads 1, ! and | as i or l wherever the word has either, and nothing else as them', () => {
    const lili = passwordContextWords({ username: 'lili' });
    // No own letter: a run of 1s is a number. With one own letter it is a spelling.
    for (const password of ['1111-2024', '|!|!-2024', '!!11-2024']) {
      expect(isDominatedByContext(password, lili), password).toBe(false);
    }
    for (const password of ['l1l1-2024', '1i1i-2024', 'li11-2024', '1il1-2024', 'l!|i-2024']) {
      expect(isDominatedByContext(password, lili), password).toBe(true);
    }
    // A 1 stands for i or l, never for another letter: `a1ice` spells alice, `411ce` does not.
    expect(isDominatedByContext('c1ice-2024!', alice)).toBe(false);
  });

  it("takes a spelling only when it keeps one of the word's own characters: a run of digits is a number", () => {
    const ties = passwordContextWords({ username: 'ties' });
    expect(isDominatedByContext('7135-2024-0815', ties)).toBe(false);
    expect(isDominatedByContext('t135-2024-0815', ties)).toBe(true);
    expect(isDominatedByContext('7ie5-2024-0815', ties)).toBe(true);
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
    expect(isDominatedByContext('4l1c3-2024!', [])).toBe(false);
  });

  it('refuses input longer than any password before normalising it', () => {
    // NFKC turns each U+FDFA into 18 characters: the length rule refuses this before any of that work, and so does this check.
    const expensive = '\uFDFA'.repeat(1_000_000);
    const normalize = vi.spyOn(String.prototype, 'normalize');
    try {
      expect(() => isDominatedByContext(expensive, alice)).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_PASSWORD' }),
      );
      const lengths = normalize.mock.contexts.map((text) => String(text).length);
      expect(lengths).not.toContain(expensive.length);
    } finally {
      normalize.mockRestore();
    }
  });

  it('judges the longest password with many words, each of them tried at every position', () => {
    // The worst case for the matcher: every position spells most of every word, in leetspeak.
    const words = passwordContextWords({ username: 'aaaaaaaaaaaaaaaaaaab' }, ['44444444444444x', 'ssssssss5y']);
    expect(isDominatedByContext('4'.repeat(1024), words)).toBe(false);
    expect(isDominatedByContext(`${'a'.repeat(1000)}xyz`, words)).toBe(false);
    expect(isDominatedByContext(`${'a'.repeat(1000)}aaaaaaaaaaaaaaaaaaabxyz`, words)).toBe(false);
    expect(isDominatedByContext('aaaaaaaaaaaaaaaaaaab!!', words)).toBe(true);
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
