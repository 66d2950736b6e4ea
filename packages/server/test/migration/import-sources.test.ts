import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCsvSource } from '../../src/import/csv-source.js';
import type { ImportSource, SourceRow } from '../../src/import/import-source.js';
import { openJsonLinesSource } from '../../src/import/jsonl-source.js';
import { makeTempDir } from '../support/temp-dir.js';

const ROWS = 3_000;

async function readAll(source: ImportSource): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const row of source.rows) rows.push(row);
  await source.close();
  return rows;
}

// `jwtgate user import` opens its source, then migrates the database: on
// PostgreSQL and MariaDB that takes a while, and a source that started reading
// at open lost every line emitted meanwhile (the command then ended without a
// summary, having imported nothing).
describe('an import source opened before the database is ready', () => {
  const dir = makeTempDir('jwtgate-sources-');
  afterAll(() => dir.remove());
  const jsonl = join(dir.path, 'users.jsonl');
  const csv = join(dir.path, 'users.csv');
  writeFileSync(
    jsonl,
    Array.from({ length: ROWS }, (_, i) => JSON.stringify({ id: i + 1, username: `u${i}`, password_hash: 'x' })).join(
      '\n',
    ),
  );
  writeFileSync(
    csv,
    `id,username,password_hash\n${Array.from({ length: ROWS }, (_, i) => `${i + 1},u${i},x`).join('\n')}\n`,
  );

  for (const [format, open] of [
    ['JSON Lines', () => openJsonLinesSource(jsonl)],
    ['CSV', () => openCsvSource(csv)],
  ] as const) {
    it(`yields every ${format} row when read only after a pause`, async () => {
      const source = open();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const rows = await readAll(source);
      expect(rows).toHaveLength(ROWS);
      expect(rows.at(-1)).toMatchObject({ fields: { username: `u${ROWS - 1}` } });
      expect(source.progress()).toBe(1);
    });
  }
});
