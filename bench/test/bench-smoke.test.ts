import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The table row of `name`, split into its cells. */
function rowOf(markdown: string, name: string): string[] {
  const line = markdown.split('\n').find((l) => l.startsWith(`| ${name} |`));
  if (line === undefined) throw new Error(`no row for ${name} in:\n${markdown}`);
  return line
    .slice(1, -1)
    .split('|')
    .map((cell) => cell.trim());
}

// The numbers of this run mean nothing: it only proves that `npm run bench`
// builds, that every benchmark process starts, checks its subjects and reports.
describe('the benchmarks (quick smoke run)', () => {
  let dir: string;
  let markdown: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jwtgate-bench-smoke-'));
    const out = join(dir, 'results.md');
    await run(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'bench'], {
      cwd: repoRoot,
      timeout: 120_000,
    });
    await run(process.execPath, ['bench/dist/run.js', '--quick', '--out', out], { cwd: repoRoot, timeout: 120_000 });
    markdown = readFileSync(out, 'utf8');
  }, 240_000);

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('writes a timed row for jwtgate and every peer verifier, with the rules each one enforced', () => {
    expect(rowOf(markdown, '`jwtgate SessionManager.authenticate`')[1]).toBe(
      'signature, exp, iss, aud, typ, revocation',
    );
    for (const name of ['jose jwtVerify', 'fast-jwt createVerifier, cache off', 'fast-jwt createVerifier, cache on']) {
      expect(rowOf(markdown, `\`${name}\``)[1]).toBe('signature, exp, iss, aud, typ');
    }
    expect(rowOf(markdown, '`jsonwebtoken verify`')[1]).toBe('signature, exp, iss, aud');
    expect(rowOf(markdown, '`jose jwtVerify`')[2]).toMatch(/^[\d,]+$/);
  });

  it('writes a row for every signer, every HTTP case, rotation and memory', () => {
    for (const name of [
      '`jwtgate createJwtSigner`',
      '`jose SignJWT`',
      '`fast-jwt createSigner`',
      '`jsonwebtoken sign`',
    ]) {
      expect(rowOf(markdown, name)[1]).toMatch(/^[\d,]+$/);
    }
    expect(rowOf(markdown, 'Fastify, no auth (the ceiling)')[2]).toBe('100 %');
    for (const guarded of [
      'jwtgate guard, `config: { auth: true }`',
      '@fastify/jwt, `request.jwtVerify()` in onRequest',
      'jwtgate guard, metrics on',
    ]) {
      const cells = rowOf(markdown, guarded);
      expect(cells[2]).toMatch(/^\d+ %$/);
      expect(cells[6]).toMatch(/^[+-][\d.]+$/);
    }
    expect(rowOf(markdown, '1')[2]).toMatch(/^[\d,]+$/);
    expect(markdown).toMatch(
      /\| Bytes per revoked session \| MiB per 100,000 \|\n\| ---: \| ---: \|\n\| [\d,.]+ \| [\d.]+ \|/,
    );
  });
});
