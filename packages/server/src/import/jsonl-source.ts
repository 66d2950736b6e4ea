import { createReadStream, statSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import type { ImportSource, SourceRow } from './import-source.js';

/**
 * Puts integer literals too long to be exact JavaScript numbers (16 digits
 * and more) into quotes before `JSON.parse` sees them, so a snowflake id
 * `1234567890123456789` arrives as that text instead of a rounded number.
 * Literals inside strings are left alone.
 */
function quoteLongIntegers(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === '-' || (c >= '0' && c <= '9')) {
      const literal = /^-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/.exec(text.slice(i, i + 400))?.[0] ?? c;
      out += /^-?[0-9]{16,}$/.test(literal) ? `"${literal}"` : literal;
      i += literal.length - 1;
      continue;
    }
    out += c;
  }
  return out;
}

/**
 * Rows from a JSON Lines file: one JSON object per line, blank lines ignored,
 * line numbers as an editor shows them. Long integers stay exact (see
 * {@link quoteLongIntegers}). Streams: one line in memory at a time.
 *
 * @example
 * for await (const row of openJsonLinesSource('users.jsonl').rows) …
 */
export function openJsonLinesSource(path: string): ImportSource {
  const size = statSync(path).size;
  // Paused until read: nothing flows before the first row is asked for.
  const stream = createReadStream(path);
  let lines: Interface | undefined;
  async function* rows(): AsyncGenerator<SourceRow> {
    // Made on the first pull, not at open: readline starts reading at once, and the lines it
    // emitted before anything iterated (while the database migrated) would be lost.
    lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    let line = 0;
    for await (const text of lines) {
      line += 1;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(quoteLongIntegers(line === 1 ? text.replace(/^\uFEFF/, '') : text));
      } catch {
        yield { line, error: 'not valid JSON' };
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        yield { line, error: 'not a JSON object' };
        continue;
      }
      yield { line, fields: value as Record<string, unknown> };
    }
  }
  return {
    unit: 'line',
    rows: rows(),
    progress: () => (size === 0 ? 1 : stream.bytesRead / size),
    close: async () => {
      lines?.close();
      stream.destroy();
    },
  };
}
