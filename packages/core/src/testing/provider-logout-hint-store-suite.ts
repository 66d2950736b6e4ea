import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderLogoutHint, ProviderLogoutHintStore } from '../identity/provider-logout-hint-store.js';
import type { StoreFixture } from './session-store-suite.js';

/** A hint with a fresh session and user, an hour to live; override any field. */
export function buildProviderLogoutHint(overrides: Partial<ProviderLogoutHint> = {}): ProviderLogoutHint {
  return {
    sessionId: randomBytes(16).toString('hex'),
    userId: randomUUID(),
    provider: 'idp',
    sealedIdToken: `h1.${randomBytes(600).toString('base64url')}`,
    expiresAt: Date.now() + 3_600_000,
    ...overrides,
  };
}

/**
 * The contract every {@link ProviderLogoutHintStore} must honour, run
 * against a real backend. Sessions are fresh per test, so a shared database
 * is fine.
 *
 * @example
 * runProviderLogoutHintStoreSuite('sqlite', async () => ({ store: createSqlProviderLogoutHintStore(db) }));
 */
export function runProviderLogoutHintStoreSuite(
  name: string,
  factory: () => Promise<StoreFixture<ProviderLogoutHintStore>>,
): void {
  describe(`ProviderLogoutHintStore conformance: ${name}`, () => {
    let fixture: StoreFixture<ProviderLogoutHintStore>;
    let store: ProviderLogoutHintStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it('gives a saved hint back exactly as it was saved, once', async () => {
      const hint = buildProviderLogoutHint();
      await store.save(hint);
      expect(await store.take(hint.sessionId, Date.now())).toEqual(hint);
      expect(await store.take(hint.sessionId, Date.now())).toBeNull();
    });

    it('answers null for a session without a hint, and touches no other session', async () => {
      const hint = buildProviderLogoutHint();
      await store.save(hint);
      expect(await store.take(randomBytes(16).toString('hex'), Date.now())).toBeNull();
      expect(await store.take(hint.sessionId.toUpperCase(), Date.now())).toBeNull();
      expect(await store.take(hint.sessionId, Date.now())).toEqual(hint);
    });

    it('refuses a second hint for the same session and keeps the first', async () => {
      const hint = buildProviderLogoutHint();
      await store.save(hint);
      await expect(store.save({ ...hint, sealedIdToken: 'h1.other' })).rejects.toThrow();
      expect(await store.take(hint.sessionId, Date.now())).toEqual(hint);
    });

    it('never gives back an expired hint, and removes it', async () => {
      const now = Date.now();
      const hint = buildProviderLogoutHint({ expiresAt: now + 1000 });
      await store.save(hint);
      expect(await store.take(hint.sessionId, now + 1000)).toBeNull();
      expect(await store.take(hint.sessionId, now)).toBeNull();
    });

    it("removes other sessions' expired hints on the way, and keeps their live ones", async () => {
      const now = Date.now();
      const expired = buildProviderLogoutHint({ expiresAt: now - 1 });
      const live = buildProviderLogoutHint();
      await store.save(expired);
      await store.save(live);
      await store.take(randomBytes(16).toString('hex'), now);
      // Asked as if before its end: a row still there would come back.
      expect(await store.take(expired.sessionId, now - 60_000)).toBeNull();
      expect(await store.take(live.sessionId, now)).toEqual(live);
    });

    it('gives a hint to at most the takers that came before its removal, and to none after', async () => {
      const hint = buildProviderLogoutHint();
      await store.save(hint);
      const taken = await Promise.all(Array.from({ length: 8 }, () => store.take(hint.sessionId, Date.now())));
      expect(taken.filter((t) => t !== null).length).toBeGreaterThanOrEqual(1);
      for (const t of taken) if (t !== null) expect(t).toEqual(hint);
      expect(await store.take(hint.sessionId, Date.now())).toBeNull();
    });
  });
}
