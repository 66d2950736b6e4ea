import { createReadStream, statSync } from 'node:fs';
import { CsvError, parse } from 'csv-parse';
import type { ImportSource, SourceRow } from './import-source.js';

/**
 * Rows from a CSV file (RFC 4180, parsed by csv-parse) whose first line names
 * the columns. A record csv-parse cannot read (a stray quote, a wrong number
 * of fields) becomes an error row with its line number, and reading goes on.
 * Streams: one record in memory at a time.
 *
 * @example
 * for await (const row of openCsvSource('users.csv').rows) …
 */
export function openCsvSource(path: string): ImportSource {
  const size = statSync(path).size;
  const stream = createReadStream(path);
  const skipped: SourceRow[] = [];
  const parser = parse({
    columns: (header: string[]) => header.map((name) => name.trim()),
    bom: true,
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
  });
  parser.on('skip', (error: Error) => {
    const line = error instanceof CsvError ? Number((error as CsvError & { lines?: number }).lines ?? 0) : 0;
    skipped.push({ line, error: `not a valid CSV record (${error instanceof CsvError ? error.code : 'parse error'})` });
  });
  stream.pipe(parser);
  async function* rows(): AsyncGenerator<SourceRow> {
    for await (const record of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      while (skipped.length > 0) yield skipped.shift() as SourceRow;
      yield { line: record.info.lines, fields: record.record };
    }
    while (skipped.length > 0) yield skipped.shift() as SourceRow;
  }
  return {
    unit: 'line',
    rows: rows(),
    progress: () => (size === 0 ? 1 : stream.bytesRead / size),
    close: async () => {
      stream.destroy();
      parser.destroy();
    },
  };
}
