import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

// The numbers of this run mean nothing: it proves that `npm run bench:import`
// builds, generates both files, runs the real CLI twice on SQLite (the second
// time skipping every row), reads the users back and writes its table.
let markdown: string;

beforeAll(async () => {
  await run(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'bench'], {
    cwd: repoRoot,
    timeout: 120_000,
  });
  const { stdout } = await run(process.execPath, ['bench/dist/import/main.js', '--rows', '2000'], {
    cwd: repoRoot,
    // Only SQLite: the smoke run creates no database on a shared server.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    timeout: 240_000,
  });
  markdown = stdout;
}, 400_000);

it('imports generated users from JSON Lines and CSV into SQLite, twice, and writes a row for each', () => {
  for (const format of ['JSON Lines', 'CSV']) {
    const line = markdown.split('\n').find((l) => l.startsWith(`| SQLite | ${format} |`));
    expect(line, format).toMatch(
      /^\| SQLite \| [^|]+ \| [\d.]+ s \| [\d,]+ \| \d+ MiB \| [\d.]+ s \| [\d,]+ \| \d+ MiB \|$/,
    );
  }
  expect(markdown).toContain('Rows: 2,000 users');
});
