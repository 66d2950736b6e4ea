import { describe, expect, it } from 'vitest';
import { runAttemptStoreSuite } from '../testing/attempt-store-suite.js';
import { createMemoryAttemptStore } from './memory-attempt-store.js';

runAttemptStoreSuite('memory', async () => ({ store: createMemoryAttemptStore() }));

describe('the memory attempt store', () => {
  it('stays bounded under a flood of distinct keys, dropping the oldest first', async () => {
    const store = createMemoryAttemptStore({ maxKeys: 100 });
    const now = Date.now();
    for (let i = 0; i < 1000; i++) await store.hit([`flood:${i}`], now, 60_000);
    const early = await store.peek(['flood:0'], now);
    const late = await store.peek(['flood:999'], now);
    expect(early[0]?.failures).toBe(0);
    expect(late[0]?.failures).toBe(1);
  });
});
