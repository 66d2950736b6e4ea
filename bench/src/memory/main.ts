import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import {
  createAccessTokenVerifier,
  createRevocationList,
  DEFAULT_VERIFIED_TOKEN_CACHE_SIZE,
  loadRevocations,
  newSessionId,
  type RevocationEntry,
  systemClock,
} from '@jwtgate/core';
import { benchSecretKey, signAccessToken } from '../support/bench-tokens.js';
import { BENCH_AUDIENCE, BENCH_ISSUER, BENCH_LEEWAY_SEC } from '../support/jwtgate-fixture.js';
import type { BenchProfile } from '../support/profile.js';
import { runAsChild } from '../support/report-to-parent.js';
import { seedRevocations } from '../support/seed-revocations.js';
import { median } from '../support/stats.js';
import type { MemoryResult, RevocationLoadResult } from './memory-result.js';

/** An access-token lifetime of 15 minutes plus 5 s of leeway: jwtgate's defaults. */
const RETENTION_MS = 905_000;

function settledHeap(gc: () => void): number {
  // Several passes: one can leave garbage that only becomes collectable after finalisation.
  for (let pass = 0; pass < 4; pass += 1) gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Heap growth of one revocation list holding `entries` revoked session ids
 * (the ids included, as a server holds them). A function of its own, so that
 * once it returns nothing (not even a stale interpreter register) keeps the
 * list alive into the next measurement.
 */
function measureOnce(gc: () => void, entries: number): { heap: number; rss: number } {
  const before = settledHeap(gc);
  const rssBefore = process.memoryUsage().rss;
  const list = createRevocationList({ clock: systemClock, retentionMs: RETENTION_MS });
  seedRevocations(list, entries, Date.now());
  const after = settledHeap(gc);
  const rssAfter = process.memoryUsage().rss;
  // Reading the list after the measurement keeps it alive through it.
  if (list.size !== entries) throw new Error(`the list holds ${list.size} entries, expected ${entries}`);
  return { heap: (after - before) / entries, rss: (rssAfter - rssBefore) / entries };
}

/**
 * Heap growth of a verifier whose cache of verified tokens is full (its
 * default size), per cached token: the tokens' own strings were made before
 * and are not counted, as a server holds them anyway while it answers.
 */
function measureTokenCache(gc: () => void): number {
  const tokens = Array.from({ length: DEFAULT_VERIFIED_TOKEN_CACHE_SIZE }, () => signAccessToken().token);
  const before = settledHeap(gc);
  const verifier = createAccessTokenVerifier({
    keys: [benchSecretKey],
    issuer: BENCH_ISSUER,
    audience: BENCH_AUDIENCE,
    clockToleranceSec: BENCH_LEEWAY_SEC,
  });
  for (const token of tokens) verifier.verify(token);
  const after = settledHeap(gc);
  // Verifying one again after the measurement keeps the verifier and its cache alive through it.
  if (verifier.verify(tokens[0] as string).sid === undefined) throw new Error('the verifier lost a claim');
  return (after - before) / tokens.length;
}

/**
 * Loads `entries` revocations (fresh session ids, as rows read at start-up
 * would hold) into an empty list with `loadRevocations`, as a start-up or a
 * catch-up does, while the event loop's delay is sampled. The entries exist
 * before the clock starts, as rows read from a store would.
 */
async function measureLoad(gc: () => void, entries: number): Promise<RevocationLoadResult> {
  const now = Date.now();
  const rows: RevocationEntry[] = Array.from({ length: entries }, () => ({ id: newSessionId(), revokedAt: now }));
  const before = settledHeap(gc);
  const rssBefore = process.memoryUsage().rss;
  const idle = monitorEventLoopDelay({ resolution: 1 });
  idle.enable();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  idle.disable();
  const pauses: number[] = [];
  const collector = new PerformanceObserver((found) => {
    for (const entry of found.getEntries()) pauses.push(entry.duration);
  });
  collector.observe({ entryTypes: ['gc'] });
  const list = createRevocationList({ clock: systemClock, retentionMs: RETENTION_MS });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const start = performance.now();
  await loadRevocations(list, rows);
  const durationMs = performance.now() - start;
  // A last turn of the loop, so that a stall at the very end is sampled too.
  await new Promise((resolve) => setTimeout(resolve, 5));
  loop.disable();
  // The observer is told asynchronously; one more turn lets the last pauses in.
  await new Promise((resolve) => setTimeout(resolve, 20));
  collector.disconnect();
  const after = settledHeap(gc);
  const rssAfter = process.memoryUsage().rss;
  if (list.size !== entries) throw new Error(`the list holds ${list.size} entries, expected ${entries}`);
  return {
    entries,
    durationMs,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    loopDelayMaxMs: loop.max / 1e6,
    idleLoopDelayMaxMs: idle.max / 1e6,
    longestGcMs: Math.max(0, ...pauses),
    gcMs: pauses.reduce((sum, pause) => sum + pause, 0),
    // The rows hold the same id strings, so the ids are not counted here; measureOnce counts them.
    heapBytesPerEntry: (after - before) / entries,
    rssBytesPerEntry: (rssAfter - rssBefore) / entries,
  };
}

/** The revocation list's heap per entry, with forced collections around each build. Needs `--expose-gc`. */
async function measureMemory(profile: BenchProfile): Promise<MemoryResult> {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('the memory benchmark needs node --expose-gc');
  const { entries, repeats } = profile.memory;
  const heap: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < repeats; i += 1) {
    const once = measureOnce(gc, entries);
    heap.push(once.heap);
    rss.push(once.rss);
  }
  const bytesPerEntry = median(heap);
  return {
    entries,
    bytesPerEntry,
    mibPer100k: (bytesPerEntry * 100_000) / 2 ** 20,
    // Only the first build can grow the process; later ones reuse the pages the collector freed.
    rssBytesPerEntry: rss[0] as number,
    tokenCacheEntries: DEFAULT_VERIFIED_TOKEN_CACHE_SIZE,
    tokenCacheBytesPerEntry: measureTokenCache(gc),
    repeats,
    load: await measureLoad(gc, profile.memory.loadEntries),
  };
}

runAsChild(measureMemory);
