import { describe, expect, it, vi } from 'vitest';
import { AuthError } from '../errors/auth-error.js';
import { normaliseNewUsername, normaliseUsername, USERNAME_MAX_LENGTH } from './username.js';

function refusal(input: unknown, normalise: (input: string) => unknown = normaliseUsername): AuthError {
  let thrown: unknown;
  try {
    normalise(input as string);
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) expect.fail(`expected ${JSON.stringify(input)} to be refused`);
  expect(thrown).toBeInstanceOf(AuthError);
  const error = thrown as AuthError;
  expect(error.code).toBe('ERR_INVALID_USERNAME');
  expect(error.status).toBe(400);
  if (typeof input === 'string' && input.trim().length >= 3) expect(error.message).not.toContain(input);
  return error;
}

describe('normaliseUsername', () => {
  describe('normalisation', () => {
    it('keeps an ordinary name as it is and lower-cases its key', () => {
      expect(normaliseUsername('Alice_01')).toEqual({ username: 'Alice_01', key: 'alice_01' });
    });

    it('applies NFKC to fullwidth letters', () => {
      expect(normaliseUsername('Ａｌｉｃｅ')).toEqual({ username: 'Alice', key: 'alice' });
    });

    it('applies NFKC to ligatures, compatibility digits and composed accents', () => {
      expect(normaliseUsername('ﬁnn').username).toBe('finn');
      expect(normaliseUsername('user①').username).toBe('user1');
      expect(normaliseUsername('Jose\u0301').username).toBe('José');
      expect(normaliseUsername('Jose\u0301').key).toBe(normaliseUsername('José').key);
    });

    it('gives Alice, ALICE, alice and ａｌｉｃｅ one key', () => {
      const keys = ['Alice', 'ALICE', 'alice', 'aLiCe', 'ａｌｉｃｅ', 'ＡＬＩＣＥ'].map(
        (name) => normaliseUsername(name).key,
      );
      expect(new Set(keys)).toEqual(new Set(['alice']));
    });

    it('keeps the display form as typed apart from NFKC', () => {
      expect(normaliseUsername('ALICE').username).toBe('ALICE');
      expect(normaliseUsername('aLiCe').username).toBe('aLiCe');
    });

    it('gives ß, capital ẞ and SS one key', () => {
      const keys = ['straße', 'STRASSE', 'Strasse', 'strasse', 'STRAẞE'].map((name) => normaliseUsername(name).key);
      expect(new Set(keys)).toEqual(new Set(['strasse']));
    });

    it('folds case in other scripts too', () => {
      expect(normaliseUsername('ΣΟΦΙΑ').key).toBe(normaliseUsername('σοφια').key);
      expect(normaliseUsername('ДМИТРИЙ').key).toBe('дмитрий');
    });

    it('is idempotent on both the display form and the key', () => {
      for (const name of ['Ａｌｉｃｅ', 'straße', 'STRAẞE', 'ﬁnn', 'Jose\u0301', 'ΣΟΦΙΑ']) {
        const once = normaliseUsername(name);
        expect(normaliseUsername(once.username)).toEqual(once);
        expect(normaliseUsername(once.key).key).toBe(once.key);
      }
    });

    it('accepts letters from any script, digits, punctuation and emoji', () => {
      for (const name of ['名前', 'ali.ce-01', 'o\u2019brien', 'δοκιμή', '😀', 'a@b']) {
        expect(normaliseUsername(name).username).toBe(name.normalize('NFKC'));
      }
    });
  });

  describe('forbidden characters', () => {
    it.each([
      ['NUL', '\u0000'],
      ['BEL', '\u0007'],
      ['ESC', '\u001b'],
      ['DEL', '\u007f'],
      ['a C1 control', '\u0085'],
      ['a zero-width space (Cf)', '\u200b'],
      ['a zero-width joiner', '\u200d'],
      ['a right-to-left override', '\u202e'],
      ['a left-to-right mark', '\u200e'],
      ['a byte order mark', '\ufeff'],
      ['a soft hyphen', '\u00ad'],
      ['a private-use character', '\ue000'],
      ['an unassigned code point', '\u0378'],
      ['a lone high surrogate', '\ud800'],
      ['a lone low surrogate', '\udc00'],
    ])('refuses %s at the start, in the middle and at the end', (_, character) => {
      for (const name of [`${character}alice`, `al${character}ice`, `alice${character}`, character]) {
        expect(refusal(name).reason).toBe('characters');
      }
    });

    it.each([
      ['a space', ' '],
      ['a tab', '\t'],
      ['a line feed', '\n'],
      ['a carriage return', '\r'],
      ['a vertical tab', '\u000b'],
      ['a no-break space', '\u00a0'],
      ['an ogham space mark', '\u1680'],
      ['an em space', '\u2003'],
      ['a narrow no-break space', '\u202f'],
      ['a line separator', '\u2028'],
      ['a paragraph separator', '\u2029'],
      ['an ideographic space', '\u3000'],
    ])('refuses %s anywhere in the name', (_, space) => {
      for (const name of [`${space}alice`, `al${space}ice`, `alice${space}`, space, space.repeat(3)]) {
        expect(refusal(name).reason).toBe('characters');
      }
    });

    it('refuses a name made to look like another with an RTL override', () => {
      expect(refusal('admin\u202egnp.exe').reason).toBe('characters');
    });
  });

  describe('length', () => {
    it('refuses an empty name', () => {
      expect(refusal('').reason).toBe('length');
    });

    it('accepts 64 code points and refuses 65', () => {
      expect(USERNAME_MAX_LENGTH).toBe(64);
      expect(normaliseUsername('a'.repeat(64)).username).toHaveLength(64);
      expect(refusal('a'.repeat(65)).reason).toBe('length');
    });

    it('counts code points, not UTF-16 units', () => {
      // Each 😀 is two UTF-16 units: 64 of them are 128 units but 64 characters.
      const sixtyFour = '😀'.repeat(64);
      expect(sixtyFour).toHaveLength(128);
      expect(normaliseUsername(sixtyFour).username).toBe(sixtyFour);
      expect(refusal('😀'.repeat(65)).reason).toBe('length');
      expect(normaliseUsername(`${'😀'.repeat(63)}a`).username).toHaveLength(127);
    });

    it('counts the name after NFKC, which may lengthen it', () => {
      // ㎏ (one code point) becomes "kg" (two).
      expect(normaliseUsername('㎏'.repeat(32)).username).toBe('kg'.repeat(32));
      expect(refusal('㎏'.repeat(33)).reason).toBe('length');
    });

    it('counts the name after NFKC, which may shorten it', () => {
      // e + combining acute accent (two code points) becomes é (one).
      const name = 'e\u0301'.repeat(64);
      expect([...name]).toHaveLength(128);
      expect(normaliseUsername(name).username).toBe('é'.repeat(64));
    });

    it('refuses very long input before normalising it', () => {
      // NFKC turns each U+FDFA into 18 characters: normalising this would take a noticeable while.
      // A clock would measure the machine's load as much as the code; what matters is that no
      // normalisation of the long input starts, which the calls to normalize() show.
      const expensive = '\uFDFA'.repeat(1_000_000);
      const normalize = vi.spyOn(String.prototype, 'normalize');
      try {
        expect(refusal(expensive).reason).toBe('length');
        const lengths = normalize.mock.contexts.map((text) => String(text).length);
        expect(lengths).not.toContain(expensive.length);
      } finally {
        normalize.mockRestore();
      }
      expect(refusal('a'.repeat(10_000_000)).reason).toBe('length');
    });
  });

  describe('errors', () => {
    it('throws AuthError ERR_INVALID_USERNAME with status 400 for input that is not a string', () => {
      for (const input of [undefined, null, 42, {}, ['alice'], new String('alice')]) {
        expect(refusal(input).reason).toBe('length');
      }
    });

    it('does not repeat the name in the error message', () => {
      const name = 'secret name';
      expect(refusal(name).message).not.toContain('secret');
    });
  });

  describe('a new username (normaliseNewUsername)', () => {
    it('refuses a Latin name with a Cyrillic or Greek letter in it, with a message that says why', () => {
      for (const name of ['\u0430lice', 'ALIC\u0415', '\u03b1lice', 'pay\u0440al_01']) {
        const error = refusal(name, normaliseNewUsername);
        expect(error.reason).toBe('mixed-scripts');
        expect(error.message).toMatch(/mix alphabets/);
      }
    });

    it('accepts names in one script, and Latin with Chinese, Japanese or Korean', () => {
      for (const name of ['alice_01', 'Zoë', 'дмитрий', 'σοφία', '山田たろう', 'taro山田', 'kim김철수', '😀']) {
        expect(normaliseNewUsername(name)).toEqual(normaliseUsername(name));
      }
    });

    it('judges the name after NFKC', () => {
      // Fullwidth Latin is Latin once normalised; halfwidth katakana is katakana.
      expect(normaliseNewUsername('ａｌｉｃｅ').username).toBe('alice');
      expect(normaliseNewUsername('taroﾀﾛｳ').username).toBe('taroタロウ');
      expect(refusal('ａ\u0430', normaliseNewUsername).reason).toBe('mixed-scripts');
    });

    it('still applies the rules of every username first', () => {
      expect(refusal('\u0430lice x', normaliseNewUsername).reason).toBe('characters');
      expect(refusal('', normaliseNewUsername).reason).toBe('length');
    });

    it('leaves look-ups alone: a name made before the rule still normalises, under its own key', () => {
      expect(normaliseUsername('\u0430lice')).toEqual({ username: '\u0430lice', key: '\u0430lice' });
      expect(normaliseUsername('\u0410LICE').key).toBe('\u0430lice');
      expect(normaliseUsername('\u0430lice').key).not.toBe(normaliseUsername('alice').key);
    });
  });
});
