import { describe, expect, it } from 'vitest';
import { buildSessionRecord } from '../testing/records.js';
import { createReadAheads } from './read-ahead.js';
import type { SessionRecord } from './session-record.js';

function countingStore(record: SessionRecord | null) {
  const reads: string[] = [];
  return {
    reads,
    store: {
      get: async (id: string) => {
        reads.push(id);
        return record;
      },
    },
  };
}

describe('session read-aheads', () => {
  it('reads the session once, when started, and hands that read to the one refresh of that session', async () => {
    const session = buildSessionRecord('user-1');
    const { store, reads } = countingStore(session);
    const aheads = createReadAheads(store);
    const ahead = aheads.start(session.id);
    expect(reads).toEqual([session.id]);
    await expect(aheads.take(ahead, session.id)).resolves.toBe(session);
    // Good for one refresh: a later one reads anew rather than judge a stale record.
    expect(aheads.take(ahead, session.id)).toBeUndefined();
    expect(reads).toEqual([session.id]);
  });

  it('is not used for another session, nor one made elsewhere', async () => {
    const { store } = countingStore(buildSessionRecord('user-1'));
    const aheads = createReadAheads(store);
    const ahead = aheads.start('session-a');
    expect(aheads.take(ahead, 'session-b')).toBeUndefined();
    expect(aheads.take({ sessionId: 'session-a' }, 'session-a')).toBeUndefined();
    expect(createReadAheads(store).take(ahead, 'session-a')).toBeUndefined();
    expect(aheads.take(null, 'session-a')).toBeUndefined();
  });

  it('keeps a failed read that nobody takes from surfacing as an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const aheads = createReadAheads({ get: () => Promise.reject(new Error('store down')) });
      aheads.start('session-a');
      const taken = aheads.start('session-b');
      await expect(aheads.take(taken, 'session-b')).rejects.toThrow('store down');
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
