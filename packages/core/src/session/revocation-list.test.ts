import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { newSessionId } from '../token/refresh-token.js';
import { createRevocationList } from './revocation-list.js';

const START = Date.parse('2030-01-01T00:00:00Z');
const RETENTION = 15 * 60_000 + 5_000;

function setup(retentionMs = RETENTION) {
  const clock = createManualClock(START);
  return { clock, list: createRevocationList({ clock, retentionMs }) };
}

describe('createRevocationList', () => {
  it('knows nothing at first', () => {
    const { list } = setup();
    expect(list.has('s1')).toBe(false);
    expect(list.size).toBe(0);
    expect(list.retentionMs).toBe(RETENTION);
  });

  it('reports a session as revoked once it is added', () => {
    const { clock, list } = setup();
    list.add('s1', clock.now());
    expect(list.has('s1')).toBe(true);
    expect(list.has('s2')).toBe(false);
    expect(list.size).toBe(1);
  });

  it('counts a session added twice once', () => {
    const { clock, list } = setup();
    list.add('s1', clock.now());
    list.add('s1', clock.now());
    expect(list.size).toBe(1);
  });

  it('does not confuse session ids with prototype members', () => {
    const { list } = setup();
    for (const id of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(list.has(id)).toBe(false);
    }
  });

  it('accepts a revocation from the recent past, up to exactly the retention', () => {
    const { clock, list } = setup();
    list.add('edge', clock.now() - RETENTION);
    list.add('recent', clock.now() - 60_000);
    expect(list.has('edge')).toBe(true);
    expect(list.has('recent')).toBe(true);
  });

  it('ignores a revocation older than the retention', () => {
    const { clock, list } = setup();
    list.add('old', clock.now() - RETENTION - 1);
    list.add('ancient', 0);
    expect(list.has('old')).toBe(false);
    expect(list.has('ancient')).toBe(false);
    expect(list.size).toBe(0);
  });

  it('prune() drops entries older than the retention and keeps the rest', () => {
    const { clock, list } = setup();
    list.add('first', clock.now());
    clock.advance(RETENTION / 2);
    list.add('second', clock.now());
    clock.advance(RETENTION / 2);
    list.prune();
    expect(list.has('first')).toBe(true);
    clock.advance(1);
    list.prune();
    expect(list.has('first')).toBe(false);
    expect(list.has('second')).toBe(true);
    expect(list.size).toBe(1);
    clock.advance(RETENTION / 2);
    list.prune();
    expect(list.size).toBe(0);
  });

  it('keeps the later of two revocation times of one session', () => {
    const { clock, list } = setup();
    const earlier = clock.now() - RETENTION + 1_000;
    list.add('s1', clock.now());
    list.add('s1', earlier);
    list.add('s2', earlier);
    list.add('s2', clock.now());
    clock.advance(2_000);
    list.prune();
    expect(list.has('s1')).toBe(true);
    expect(list.has('s2')).toBe(true);
  });

  it('prunes on a later write once the retention has passed, with no timer and no explicit prune()', () => {
    const { clock, list } = setup();
    list.add('old', clock.now());
    clock.advance(RETENTION + 1);
    list.add('new', clock.now());
    expect(list.has('old')).toBe(false);
    expect(list.has('new')).toBe(true);
    expect(list.size).toBe(1);
  });

  it('keeps pruning on writes at least once a minute when the retention is long', () => {
    const { clock, list } = setup();
    list.add('a', clock.now());
    clock.advance(RETENTION);
    list.add('b', clock.now());
    expect(list.has('a')).toBe(true);
    clock.advance(60_000);
    list.add('c', clock.now());
    expect(list.has('a')).toBe(false);
    expect([list.has('b'), list.has('c'), list.size]).toEqual([true, true, 2]);
  });

  it('prunes by the clock it was given, not by the wall clock', () => {
    const { clock, list } = setup(1_000);
    list.add('s1', clock.now());
    clock.set(START + 1_001);
    list.prune();
    expect(list.has('s1')).toBe(false);
    clock.set(START);
    list.add('s2', START);
    list.prune();
    expect(list.has('s2')).toBe(true);
  });

  it('stays small however many sessions are revoked over time', () => {
    const { clock, list } = setup(10_000);
    for (let i = 0; i < 10_000; i++) {
      list.add(`s${i}`, clock.now());
      clock.advance(100);
    }
    // Only revocations from the last 10 s (100 ms apart) can still matter, plus at most one minute of backlog.
    expect(list.size).toBeLessThanOrEqual(101 + 600);
    list.prune();
    expect(list.size).toBeLessThanOrEqual(101);
  });

  it('tells its watchers of each revocation it learns, not of repeats or of entries too old to matter', () => {
    const { clock, list } = setup(10_000);
    const seen: [string, number][] = [];
    const stop = list.watch((id, at) => seen.push([id, at]));
    list.add('a', clock.now());
    list.add('a', clock.now());
    list.add('a', clock.now() - 5);
    list.add('a', clock.now() + 1);
    list.add('old', clock.now() - 10_001);
    stop();
    list.add('b', clock.now());
    expect(seen).toEqual([
      ['a', START],
      ['a', START + 1],
    ]);
    expect(list.has('b')).toBe(true);
  });

  it('prunes a large list a step per write, so that no single write walks every entry', () => {
    const { clock, list } = setup();
    for (let i = 0; i < 100_000; i++) list.add(`stale-session-${i}`, clock.now());
    clock.advance(RETENTION + 1);
    list.add('fresh', clock.now());
    // One write pruned part of the list, not all of it.
    expect(list.size).toBeGreaterThan(50_000);
    expect(list.size).toBeLessThan(100_000);
    for (let write = 0; write < 20 && list.size > 1; write++) list.add(`fresh-${write}`, clock.now());
    expect(list.has('stale-session-0')).toBe(false);
    expect(list.has('stale-session-99999')).toBe(false);
    expect(list.has('fresh')).toBe(true);
    expect(list.size).toBeLessThanOrEqual(21);
  });

  it('prunes every entry at once when asked to, however large the list', () => {
    const { clock, list } = setup();
    for (let i = 0; i < 50_000; i++) list.add(`stale-session-${i}`, clock.now());
    clock.advance(RETENTION + 1);
    list.prune();
    expect(list.size).toBe(0);
  });

  describe('a large list, answered through its pre-filter', () => {
    it('finds every revoked session and only those, whether added before or after the filter was made', () => {
      const { clock, list } = setup();
      const revoked = Array.from({ length: 12_000 }, () => newSessionId());
      for (const id of revoked) list.add(id, clock.now());
      // A copy of each id, as a token's payload gives it: equal text, another string.
      for (const id of revoked) expect(list.has(JSON.parse(JSON.stringify(id)))).toBe(true);
      for (let i = 0; i < 12_000; i++) expect(list.has(newSessionId())).toBe(false);
      for (const id of ['', 'a', 'ab', '__proto__', 'session-1']) expect(list.has(id)).toBe(false);
      for (const id of ['', 'a', 'ab', '__proto__', 'session-1']) list.add(id, clock.now());
      for (const id of ['', 'a', 'ab', '__proto__', 'session-1']) expect(list.has(id)).toBe(true);
    });

    it('keeps finding the sessions that share a slot with pruned ones, and forgets the pruned', () => {
      const { clock, list } = setup();
      for (let i = 0; i < 5_000; i++) list.add(newSessionId(), clock.now());
      // Same length and same characters before the last one: the same counter of the filter.
      const sharing = (i: number, tail: string) => `${String(i).padStart(16, 'x')}${tail}A`;
      const early = Array.from({ length: 40 }, (_, i) => sharing(i, 'QWERT'));
      for (const id of early) list.add(id, clock.now());
      clock.advance(60_000);
      const late = Array.from({ length: 3 }, (_, i) => sharing(100 + i, 'QWERT'));
      for (const id of late) list.add(id, clock.now());
      clock.advance(RETENTION - 30_000);
      list.prune();
      for (const id of early) expect(list.has(id)).toBe(false);
      // A filter that cleared the slot when the first of them went would answer false here.
      for (const id of late) expect(list.has(id)).toBe(true);
      clock.advance(60_000);
      list.prune();
      for (const id of late) expect(list.has(id)).toBe(false);
      list.add(late[0] as string, clock.now());
      expect(list.has(late[0] as string)).toBe(true);
    });

    it('never answers a wrong no when more ids share one slot than its counter can count', () => {
      const { clock, list } = setup();
      for (let i = 0; i < 5_000; i++) list.add(newSessionId(), clock.now());
      // 255 entries fill a one-byte counter; the 256th would wrap it to 0, and 255 releases of a
      // counter that had stopped counting would bring it back to 0 while one entry remains.
      const crowd = Array.from({ length: 255 }, (_, i) => `${String(i).padStart(16, 'y')}ZXCVBA`);
      for (const id of crowd) list.add(id, clock.now());
      clock.advance(60_000);
      const kept = `${'k'.repeat(16)}ZXCVBA`;
      list.add(kept, clock.now());
      expect(list.has(kept)).toBe(true);
      clock.advance(RETENTION - 30_000);
      list.prune();
      expect(list.has(kept)).toBe(true);
      for (const id of crowd) expect(list.has(id)).toBe(false);
    });
  });
});
