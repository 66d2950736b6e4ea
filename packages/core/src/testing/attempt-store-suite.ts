import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptStore } from '../throttle/attempt-store.js';
import type { StoreFixture } from './session-store-suite.js';

/**
 * The contract every {@link AttemptStore} must honour, run against a real
 * backend. Keys are fresh per test, so a shared backend is fine.
 *
 * @example
 * runAttemptStoreSuite('memory', async () => ({ store: createMemoryAttemptStore() }));
 */
export function runAttemptStoreSuite(name: string, factory: () => Promise<StoreFixture<AttemptStore>>): void {
  describe(`AttemptStore conformance: ${name}`, () => {
    let fixture: StoreFixture<AttemptStore>;
    let store: AttemptStore;
    const key = () => `test:${randomUUID()}`;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it('counts nothing for a key never hit', async () => {
      const [count] = await store.peek([key()], Date.now());
      expect(count?.failures).toBe(0);
    });

    it('counts hits within one window, which starts at the first hit', async () => {
      const k = key();
      const now = Date.now();
      expect(await store.hit([k], now, 60_000)).toEqual([{ failures: 1, resetAt: now + 60_000 }]);
      expect(await store.hit([k], now + 1000, 60_000)).toEqual([{ failures: 2, resetAt: now + 60_000 }]);
      expect(await store.peek([k], now + 2000)).toEqual([{ failures: 2, resetAt: now + 60_000 }]);
    });

    it('counts several keys at once, each on its own', async () => {
      const [a, b] = [key(), key()];
      const now = Date.now();
      await store.hit([a], now, 60_000);
      const counts = await store.hit([a, b], now, 60_000);
      expect(counts.map((c) => c.failures)).toEqual([2, 1]);
      expect((await store.peek([b, a], now)).map((c) => c.failures)).toEqual([1, 2]);
    });

    it('starts again from zero once the window has passed', async () => {
      const k = key();
      const now = Date.now();
      await store.hit([k], now - 5000, 1000);
      expect((await store.peek([k], now))[0]?.failures).toBe(0);
      expect(await store.hit([k], now, 1000)).toEqual([{ failures: 1, resetAt: now + 1000 }]);
    });

    it('forgets cleared keys and only those', async () => {
      const [a, b] = [key(), key()];
      const now = Date.now();
      await store.hit([a, b], now, 60_000);
      await store.clear([a]);
      expect((await store.peek([a, b], now)).map((c) => c.failures)).toEqual([0, 1]);
    });

    it('takes back one hit from the window it was counted in', async () => {
      const k = key();
      const now = Date.now();
      await store.hit([k], now, 60_000);
      const [second] = await store.hit([k], now, 60_000);
      await store.release([{ key: k, resetAt: second?.resetAt ?? 0 }]);
      expect(await store.peek([k], now)).toEqual([{ failures: 1, resetAt: now + 60_000 }]);
      await store.release([{ key: k, resetAt: now + 60_000 }]);
      expect((await store.peek([k], now))[0]?.failures).toBe(0);
    });

    it('never takes back a hit from another window, nor below zero', async () => {
      const [k, untouched] = [key(), key()];
      const now = Date.now();
      const [old] = await store.hit([k], now - 5000, 1000);
      await store.hit([k], now, 60_000);
      await store.release([{ key: k, resetAt: old?.resetAt ?? 0 }]);
      expect((await store.peek([k], now))[0]?.failures).toBe(1);
      await store.release([{ key: untouched, resetAt: now + 60_000 }]);
      expect((await store.peek([untouched], now))[0]?.failures).toBe(0);
      expect((await store.hit([untouched], now, 60_000))[0]?.failures).toBe(1);
    });

    it('loses nothing when hits and releases run concurrently', async () => {
      const k = key();
      const now = Date.now();
      const [first] = await store.hit([k], now, 60_000);
      const hit = { key: k, resetAt: first?.resetAt ?? 0 };
      await Promise.all(Array.from({ length: 10 }, () => store.hit([k], now, 60_000)));
      await Promise.all([
        ...Array.from({ length: 10 }, () => store.hit([k], now, 60_000)),
        ...Array.from({ length: 10 }, () => store.release([hit])),
      ]);
      expect((await store.peek([k], now))[0]?.failures).toBe(11);
    });

    it('loses no increment under concurrent hits', async () => {
      const k = key();
      const now = Date.now();
      await Promise.all(Array.from({ length: 25 }, () => store.hit([k], now, 60_000)));
      expect((await store.peek([k], now))[0]?.failures).toBe(25);
    });
  });
}
