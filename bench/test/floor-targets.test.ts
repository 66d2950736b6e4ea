import { describe, expect, it } from 'vitest';
import { httpCasesOf } from '../src/http/cases.js';
import type { HttpResult, HttpRow } from '../src/http/http-result.js';
import type { ServerKind } from '../src/http/servers.js';
import { renderPartialResults } from '../src/report.js';
import { benchProfile } from '../src/support/profile.js';

// The targets table's words are computed from the rows it is given: these
// rows are made up, so that the test says which figure lands where.

const shares: Partial<Record<ServerKind, { share: number; cpu: number; p99Us: number }>> = {
  fastify: { share: 1, cpu: 24, p99Us: 20_000 },
  'guard-hs256': { share: 0.7, cpu: 37.4, p99Us: 30_000 },
  'guard-eddsa': { share: 0.27, cpu: 150, p99Us: 14_900 },
  'jose-eddsa': { share: 0.26, cpu: 170, p99Us: 14_400 },
  'floor-hs256-signature': { share: 0.81, cpu: 29.6, p99Us: 25_000 },
  'floor-hs256-parse': { share: 0.77, cpu: 31.1, p99Us: 26_000 },
  'floor-eddsa-loop': { share: 0.21, cpu: 175, p99Us: 40_000 },
  'floor-eddsa-pool': { share: 0.3, cpu: 160, p99Us: 12_345 },
};

function resultOf(kinds: readonly ServerKind[]): HttpResult {
  const cases = httpCasesOf(kinds);
  const rows: HttpRow[] = cases.map((httpCase) => {
    const measured = shares[httpCase.kind];
    if (measured === undefined) throw new Error(`no figures for ${httpCase.kind}`);
    return {
      name: httpCase.name,
      kind: httpCase.kind,
      requestsPerSec: 10_000 * measured.share,
      ratioToBare: measured.share,
      ratioQuartiles: [measured.share, measured.share],
      ratioToUnguardedTwin: httpCase.guarded ? measured.share : undefined,
      serverCpuUsPerRequest: measured.cpu,
      serverCpuUsAddedByCheck: httpCase.guarded ? measured.cpu - 24 : undefined,
      p50Us: 1_000,
      p99Us: measured.p99Us,
    };
  });
  return {
    connections: 50,
    warmupSec: 2,
    sliceSec: 1,
    rounds: 6,
    users: 10_000,
    mixes: { distinct: rows, hot: rows, one: rows },
    // No cache-off guard among these rows: no comparison to give.
    defaultOverCacheOff: { distinct: [], hot: [], one: [] },
  };
}

function targetRow(markdown: string, target: string): string[] {
  const line = markdown.split('\n').find((l) => l.startsWith(`| ${target}`));
  if (line === undefined) throw new Error(`no target row ${target}`);
  return line.split('|').map((cell) => cell.trim());
}

const machine = {
  cpu: 'test',
  cores: 2,
  memoryGiB: 4,
  os: 'test',
  node: 'v20',
  v8: '11',
  loadAverage: [1, 1, 1],
  libraries: {},
};

describe('the floor rows in the targets table', () => {
  const render = (kinds: readonly ServerKind[]) =>
    renderPartialResults({
      startedAt: new Date(0),
      profile: benchProfile('full'),
      machine,
      http: resultOf(kinds),
    });

  it('quotes what the HMAC floors reached in the same run when the HS256 target is missed', () => {
    const markdown = render(['guard-hs256', 'floor-hs256-signature', 'floor-hs256-parse']);
    const [, , wanted, measured, verdict, why] = targetRow(markdown, 'Default guard (HS256, revocation feed)');
    expect([wanted, measured, verdict]).toEqual(['≥ 85 %', '70 %', '**missed**']);
    expect(why).toContain('the HMAC check alone, with no parsing, reaches 81 % of bare, +5.6 µs of CPU per request');
    expect(why).toContain('the HMAC check plus the payload decoded and `JSON.parse`d reaches 77 % of bare');
  });

  it('quotes the signature floors, with their p99, when the EdDSA guard is not ahead of jose', () => {
    const markdown = render(['guard-eddsa', 'jose-eddsa', 'floor-eddsa-loop', 'floor-eddsa-pool']);
    const [, , , measured, verdict, why] = targetRow(markdown, 'EdDSA guard ahead of jose');
    expect([measured, verdict]).toEqual(['27 %, p99 14,900 µs', '**missed**']);
    expect(why).toMatch(/^In the same run, `crypto.verify` alone on the event loop reaches 21 % of bare/);
    expect(why).toContain(
      'on the thread pool (its callback form) reaches 30 % of bare, +136.0 µs of CPU per request, p99 12,345 µs',
    );
    expect(targetRow(markdown, 'Guard with EdDSA keys')[5]).toContain(
      '`crypto.verify` alone on the event loop reaches 21 %',
    );
  });

  it('leaves out the targets whose rows a short run did not measure, and says nothing of absent floors', () => {
    const markdown = render(['guard-hs256']);
    expect(targetRow(markdown, 'Default guard (HS256, revocation feed)')[5]).not.toContain('in the same run');
    expect(markdown).not.toContain('EdDSA guard ahead of jose');
    expect(markdown).not.toContain('at least as fast as with its cache off');
  });
});
