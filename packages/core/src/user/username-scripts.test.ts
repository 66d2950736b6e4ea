import { describe, expect, it } from 'vitest';
import { isHighlyRestrictive, KNOWN_SCRIPT_CODES } from './username-scripts.js';

describe('isHighlyRestrictive (UTS #39 §5.2)', () => {
  it.each([
    ['Cyrillic а in a Latin name', '\u0430lice'],
    ['Cyrillic о and е in a Latin name', 'g\u043e\u043egl\u0435'],
    ['a Latin name ending in Cyrillic', 'pay\u0440al'],
    ['Greek α in a Latin name', '\u03b1lice'],
    ['Greek ο in a Latin name', 'micr\u03bfsoft'],
    ['Cyrillic with Greek', '\u0434\u03b1'],
    ['Latin with Armenian', 'so\u0585n'],
    ['Latin with Cherokee', '\u13aalice'],
    ['Hangul with Hiragana (Korean and Japanese)', '\ud55c\u3042'],
    ['Hangul with Bopomofo', '\ud55c\u3105'],
    ['Latin with Arabic-Indic digits', 'alice\u0663'],
  ])('refuses %s', (_, name) => {
    expect(isHighlyRestrictive(name)).toBe(false);
  });

  it.each([
    ['a Latin name', 'alice'],
    ['Latin with digits, _, - and .', 'Alice_01-b.c'],
    ['Latin with letters beyond ASCII', 'Zoë_Żółć'],
    ['a Cyrillic name', 'дмитрий'],
    ['a Cyrillic name with digits and _', 'ДМИТРИЙ_1990'],
    ['a Greek name', 'σοφία'],
    ['Han with Hiragana', '山田たろう'],
    ['Katakana with Latin and digits', 'タロウ_taro2'],
    ['Latin with Han', 'taro山田'],
    ['Latin, Han, Hiragana and Katakana', 'taroの山田タロウ'],
    ['Latin, Han and Bopomofo', 'lee中文ㄅㄆ'],
    ['Latin, Han and Hangul', 'kim김철수金'],
    ['Han with Hangul (Korean)', '金김'],
    ['a Katakana name with the prolonged sound mark', 'ラーメン'],
    ['an Arabic name with Arabic-Indic digits', 'علي\u0663'],
    ['only Common characters', '2024_-.'],
    ['emoji', '😀'],
  ])('accepts %s', (_, name) => {
    expect(isHighlyRestrictive(name)).toBe(true);
  });

  describe('combining marks', () => {
    it('lets an Inherited mark go with any script', () => {
      // No precomposed x with acute exists, so the mark stays a character of its own.
      expect(isHighlyRestrictive('x\u0301yz')).toBe(true);
      expect(isHighlyRestrictive('\u0436\u0301')).toBe(true);
    });

    it('does not let an Inherited mark join two scripts', () => {
      expect(isHighlyRestrictive('\u0430x\u0301yz')).toBe(false);
    });

    it('holds a mark with a script of its own to that script', () => {
      // U+0483 COMBINING CYRILLIC TITLO is Cyrillic (and Old Permic), not Inherited.
      expect(isHighlyRestrictive('\u0434\u0483')).toBe(true);
      expect(isHighlyRestrictive('d\u0483')).toBe(false);
    });
  });

  it('counts a character by every script it is used with (Script_Extensions)', () => {
    // U+0964 DEVANAGARI DANDA is Common by Script but used with Bengali, Devanagari and others.
    expect(isHighlyRestrictive('\u0985\u0964')).toBe(true);
    expect(isHighlyRestrictive('a\u0964')).toBe(false);
  });

  it('knows the script of every assigned character of this engine', () => {
    // A script missing from the list would refuse every name written in it.
    const known = new RegExp(
      `[\\p{Cn}\\p{Cs}\\p{Co}\\p{Script_Extensions=Zyyy}\\p{Script_Extensions=Zinh}${KNOWN_SCRIPT_CODES.map(
        (code) => `\\p{Script_Extensions=${code}}`,
      ).join('')}]`,
      'u',
    );
    const unknown: string[] = [];
    for (let code = 0; code <= 0x10ffff; code++) {
      if (!known.test(String.fromCodePoint(code))) unknown.push(code.toString(16));
    }
    expect(unknown).toEqual([]);
  });
});
