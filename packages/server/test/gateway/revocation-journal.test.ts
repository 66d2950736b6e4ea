import { createManualClock, createRevocationList } from '@jwtgate/core';
import { describe, expect, it } from 'vitest';
import { createRevocationJournal, type FeedPosition, type JournalPage } from '../../src/runtime/revocation-journal.js';

const START = Date.parse('2030-01-01T00:00:00Z');
const RETENTION = 905_000;

function setup(clock = createManualClock(START)) {
  const list = createRevocationList({ clock, retentionMs: RETENTION });
  const journal = createRevocationJournal({ list, clock, handoverMs: 20_000 });
  return { clock, list, journal };
}

function page(result: JournalPage | 'resync'): JournalPage {
  if (result === 'resync') throw new Error('unexpected resync');
  return result;
}

/** Reads the whole journal from `from`, page by page, as a follower does. */
function follow(journal: ReturnType<typeof setup>['journal'], from: FeedPosition | undefined, limit: number) {
  const ids: string[] = [];
  let position = from;
  for (;;) {
    const next = page(journal.read(position, limit));
    ids.push(...next.entries.map((entry) => entry.sessionId));
    position = next.next;
    if (!next.more) return { ids, position };
  }
}

describe('the revocation journal behind the feed', () => {
  it('hands a follower that starts late every revocation kept, in arrival order, page by page', () => {
    const { clock, list, journal } = setup();
    for (let i = 0; i < 7; i++) {
      list.add(`s${i}`, clock.now());
      clock.advance(1_000);
    }
    const first = page(journal.read(undefined, 3));
    expect(first.entries.map((e) => e.sessionId)).toEqual(['s0', 's1', 's2']);
    expect(first.more).toBe(true);
    expect(follow(journal, first.next, 3).ids).toEqual(['s3', 's4', 's5', 's6']);
  });

  it('gives the same page again to a follower that lost an answer, and then everything after it', () => {
    const { clock, list, journal } = setup();
    for (const id of ['a', 'b', 'c', 'd']) list.add(id, clock.now());
    const before = page(journal.read(undefined, 2));
    const lost = page(journal.read(before.next, 2));
    expect(lost.entries.map((e) => e.sessionId)).toEqual(['c', 'd']);
    list.add('e', clock.now());
    // The follower never saw `lost` and asks again from where it stood.
    expect(follow(journal, before.next, 2).ids).toEqual(['c', 'd', 'e']);
  });

  it('passes on a revocation that arrives late, with an old revocation time, after the cursor', () => {
    const { clock, list, journal } = setup();
    list.add('now', clock.now());
    const caughtUp = page(journal.read(undefined, 10));
    clock.advance(1_000);
    // Revoked 10 s ago on an instance whose write, or poll, was slow.
    list.add('late', clock.now() - 10_000);
    const next = page(journal.read(caughtUp.next, 10));
    expect(next.entries.map((e) => [e.sessionId, e.revokedAt])).toEqual([['late', clock.now() - 10_000]]);
  });

  it('replays a cursor of another instance from its time less the handover delay: duplicates, never a gap', () => {
    const clock = createManualClock(START);
    const a = setup(clock);
    const b = setup(clock);
    a.list.add('x', clock.now());
    clock.advance(5_000);
    // `y` reaches b first, then a: b already knew it when the follower left a.
    b.list.add('x', START);
    b.list.add('y', clock.now());
    clock.advance(1_000);
    a.list.add('y', START + 5_000);
    const onA = follow(a.journal, undefined, 10);
    expect(onA.ids).toEqual(['x', 'y']);
    clock.advance(1_000);
    b.list.add('z', clock.now());
    const onB = follow(b.journal, onA.position, 10);
    expect(onB.ids).toContain('z');
    expect(new Set([...onA.ids, ...onB.ids])).toEqual(new Set(['x', 'y', 'z']));
  });

  it('asks for a resync when the cursor is older than the retention, and keeps nothing older', () => {
    const { clock, list, journal } = setup();
    list.add('old', clock.now());
    const cursor = page(journal.read(undefined, 10)).next;
    clock.advance(RETENTION + 1);
    list.add('new', clock.now());
    expect(journal.read(cursor, 10)).toBe('resync');
    expect(page(journal.read(undefined, 10)).entries.map((e) => e.sessionId)).toEqual(['new']);
  });

  it('wakes a waiting follower on the next revocation, and lets it go at close', async () => {
    const { clock, list, journal } = setup();
    const waiting = journal.changed(60_000);
    list.add('s', clock.now());
    await waiting;
    const pending = journal.changed(60_000);
    journal.close();
    await pending;
    await journal.changed(60_000);
  });
});
