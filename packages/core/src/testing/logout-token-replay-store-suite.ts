import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogoutTokenReplayStore } from '../identity/logout-token-replay-store.js';
import type { StoreFixture } from './session-store-suite.js';

const freshKey = () => randomBytes(32).toString('base64url');

/**
 * The contract every {@link LogoutTokenReplayStore} must honour, run
 * against a real backend. Keys are fresh per test, so a shared database is fine.
 *
 * @example
 * runLogoutTokenReplayStoreSuite('redis', async () => ({ store: createRedisLogoutTokenReplayStore(client, options) }));
 */
export function runLogoutTokenReplayStoreSuite(
  name: string,
  factory: () => Promise<StoreFixture<LogoutTokenReplayStore>>,
): void {
  describe(`LogoutTokenReplayStore conformance: ${name}`, () => {
    let fixture: StoreFixture<LogoutTokenReplayStore>;
    let store: LogoutTokenReplayStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it('records a key once: a second claim before it expires is refused', async () => {
      const key = freshKey();
      const now = Date.now();
      expect(await store.claim(key, now + 60_000, now)).toBe(true);
      expect(await store.claim(key, now + 60_000, now + 1000)).toBe(false);
      expect(await store.claim(freshKey(), now + 60_000, now)).toBe(true);
    });

    it('lets exactly one of many concurrent claims of a key win', async () => {
      const key = freshKey();
      const now = Date.now();
      const results = await Promise.all(Array.from({ length: 12 }, () => store.claim(key, now + 60_000, now)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('lets a key be claimed again once its record has expired', async () => {
      const key = freshKey();
      const now = Date.now();
      expect(await store.claim(key, now + 5_000, now)).toBe(true);
      expect(await store.claim(key, now + 60_000, now + 4_999)).toBe(false);
      expect(await store.claim(key, now + 60_000, now + 5_000)).toBe(true);
      expect(await store.claim(key, now + 60_000, now + 6_000)).toBe(false);
    });

    it('lets a released key be claimed again, and releasing an unknown key does nothing', async () => {
      const key = freshKey();
      const now = Date.now();
      expect(await store.claim(key, now + 60_000, now)).toBe(true);
      await store.release(key);
      expect(await store.claim(key, now + 60_000, now)).toBe(true);
      await store.release(freshKey());
    });
  });
}
