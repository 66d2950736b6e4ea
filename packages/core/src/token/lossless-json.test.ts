import { describe, expect, it } from 'vitest';
import { parseJsonLosslessly } from './lossless-json.js';

describe('parseJsonLosslessly', () => {
  it('keeps two 64-bit ids apart that JSON.parse makes equal', () => {
    const text = '{"a":1234567890123456789,"b":1234567890123456790}';
    const naive = JSON.parse(text) as { a: number; b: number };
    expect(naive.a).toBe(naive.b);
    expect(parseJsonLosslessly(text)).toEqual({ a: '1234567890123456789', b: '1234567890123456790' });
  });

  it('keeps safe integers, fractions and exponents as numbers', () => {
    expect(
      parseJsonLosslessly(
        '{"max":9007199254740991,"min":-9007199254740991,"f":1234567890123456789.5,"e":12345678901234567e3,"n":42}',
      ),
    ).toEqual({
      max: 9007199254740991,
      min: -9007199254740991,
      f: Number('1234567890123456789.5'),
      e: Number('12345678901234567e3'),
      n: 42,
    });
  });

  it('gives the exact string from 2^53 on, negative ones too, nested and in arrays', () => {
    expect(
      parseJsonLosslessly('{"p":9007199254740992,"q":-9007199254740993,"o":{"ids":[18446744073709551615,7]}}'),
    ).toEqual({ p: '9007199254740992', q: '-9007199254740993', o: { ids: ['18446744073709551615', 7] } });
  });

  it('leaves digits inside strings alone, escaped quotes included', () => {
    const text = '{"s":"x\\"1234567890123456789\\\\","k1234567890123456789":1,"t":1234567890123456789}';
    expect(parseJsonLosslessly(text)).toEqual({
      s: 'x"1234567890123456789\\',
      k1234567890123456789: 1,
      t: '1234567890123456789',
    });
  });

  it('refuses what JSON.parse refuses, even where quoting a number would make it parse', () => {
    for (const text of ['{1234567890123456789:1}', '{"a":01234567890123456789}', '[1234567890123456789', '']) {
      expect(() => parseJsonLosslessly(text)).toThrow(SyntaxError);
    }
  });
});

describe('finding a long run of digits', () => {
  it('finds a run of sixteen digits wherever it starts, and no shorter run', () => {
    for (let offset = 0; offset < 40; offset += 1) {
      const id = '9007199254740993';
      const text = `{"k":"${'x'.repeat(offset)}","n":${id}}`;
      expect(parseJsonLosslessly(text)).toEqual({ k: 'x'.repeat(offset), n: id });
      const short = `{"k":"${'x'.repeat(offset)}","n":900719925474099}`;
      expect(parseJsonLosslessly(short)).toEqual({ k: 'x'.repeat(offset), n: 900719925474099 });
    }
  });
});
