import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { loadRevocations, REVOCATION_SLICE, type RevocationEntry } from './load-revocations.js';
import { createRevocationList } from './revocation-list.js';

const START = Date.parse('2030-01-01T00:00:00Z');
const RETENTION = 15 * 60_000 + 5_000;

function* revocations(count: number): Generator<RevocationEntry> {
  for (let i = 0; i < count; i += 1) {
    yield { id: `${String(i).padStart(8, '0')}-session-id-${i % 97}`, revokedAt: START - (i % 1000) };
  }
}

/** Counts how often the event loop reaches its check phase until stopped. */
function countTurnsOfTheLoop(): { stop(): number } {
  let turns = 0;
  let running = true;
  const turn = () => {
    turns += 1;
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  return {
    stop() {
      running = false;
      return turns;
    },
  };
}

describe('loadRevocations', () => {
  it('records every entry, keeping the latest time of a session listed twice', async () => {
    const list = createRevocationList({ clock: createManualClock(START), retentionMs: RETENTION });
    const read = await loadRevocations(list, [
      { id: 'a', revokedAt: START - 5 },
      { id: 'b', revokedAt: START - 1 },
      { id: 'a', revokedAt: START - 2 },
    ]);
    expect(read).toBe(3);
    expect([list.has('a'), list.has('b'), list.has('c'), list.size]).toEqual([true, true, false, 2]);
  });

  it('gives the event loop back between slices, so a start-up with 200,000 revocations never holds it', async () => {
    const entries = 200_000;
    const list = createRevocationList({ clock: createManualClock(START), retentionMs: RETENTION });
    const loop = countTurnsOfTheLoop();
    const read = await loadRevocations(list, revocations(entries));
    const turns = loop.stop();
    expect(read).toBe(entries);
    expect(list.size).toBe(entries);
    // One loop over all entries would let the loop turn once or twice; slices let it turn after each,
    // and a slice must stay small enough for the loop to turn at least every 10,000 entries.
    expect(REVOCATION_SLICE).toBeLessThanOrEqual(10_000);
    expect(turns).toBeGreaterThanOrEqual(entries / 10_000);
  }, 30_000);

  it('yields after each slice of the size asked for', async () => {
    const list = createRevocationList({ clock: createManualClock(START), retentionMs: RETENTION });
    const sizes: number[] = [];
    await loadRevocations(list, revocations(25), {
      sliceSize: 10,
      yieldToLoop: async () => {
        sizes.push(list.size);
      },
    });
    expect(sizes).toEqual([10, 20]);
    expect(list.size).toBe(25);
  });

  it('refuses a slice size that could never yield', async () => {
    const list = createRevocationList({ clock: createManualClock(START), retentionMs: RETENTION });
    await expect(loadRevocations(list, [], { sliceSize: 0 })).rejects.toThrow(TypeError);
  });
});
