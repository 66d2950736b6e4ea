import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderSession, ProviderSessionStore } from '../identity/provider-session-store.js';
import type { StoreFixture } from './session-store-suite.js';

/** A provider session with a fresh jwtgate session, user, subject and provider sid; override any field. */
export function buildProviderSession(overrides: Partial<ProviderSession> = {}): ProviderSession {
  return {
    sessionId: randomBytes(16).toString('hex'),
    userId: randomUUID(),
    provider: 'idp',
    subject: `sub-${randomUUID()}`,
    providerSid: `sid-${randomUUID()}`,
    expiresAt: Date.now() + 3_600_000,
    ...overrides,
  };
}

const sorted = (ids: readonly string[]) => [...ids].sort();

/**
 * The contract every {@link ProviderSessionStore} must honour, run against a
 * real backend. Rows are fresh per test, so a shared database is fine.
 *
 * @example
 * runProviderSessionStoreSuite('sqlite', async () => ({ store: createSqlProviderSessionStore(db) }));
 */
export function runProviderSessionStoreSuite(
  name: string,
  factory: () => Promise<StoreFixture<ProviderSessionStore>>,
): void {
  describe(`ProviderSessionStore conformance: ${name}`, () => {
    let fixture: StoreFixture<ProviderSessionStore>;
    let store: ProviderSessionStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it("finds the sessions of a provider session, and only that provider's", async () => {
      const first = buildProviderSession();
      const second = buildProviderSession({ providerSid: first.providerSid, subject: first.subject });
      const elsewhere = buildProviderSession({ provider: 'other', providerSid: first.providerSid });
      for (const row of [first, second, elsewhere]) await store.save(row);
      const query = { provider: 'idp', providerSid: first.providerSid as string };
      expect(sorted(await store.sessionIdsOf(query, Date.now(), 100))).toEqual(
        sorted([first.sessionId, second.sessionId]),
      );
      expect(await store.sessionIdsOf({ ...query, providerSid: `${query.providerSid}x` }, Date.now(), 100)).toEqual([]);
      expect(
        await store.sessionIdsOf({ ...query, providerSid: query.providerSid.toUpperCase() }, Date.now(), 100),
      ).toEqual([]);
    });

    it('with a sid and a subject, finds only the sessions that match both', async () => {
      const mine = buildProviderSession();
      const theirs = buildProviderSession({ providerSid: mine.providerSid });
      await store.save(mine);
      await store.save(theirs);
      const found = await store.sessionIdsOf(
        { provider: 'idp', providerSid: mine.providerSid as string, subject: mine.subject },
        Date.now(),
        100,
      );
      expect(found).toEqual([mine.sessionId]);
    });

    it("finds every session of a user at the provider, whatever its provider session, and none of another provider's", async () => {
      const one = buildProviderSession();
      const two = buildProviderSession({ subject: one.subject, providerSid: null });
      const elsewhere = buildProviderSession({ subject: one.subject, provider: 'other' });
      for (const row of [one, two, elsewhere]) await store.save(row);
      expect(sorted(await store.sessionIdsOf({ provider: 'idp', subject: one.subject }, Date.now(), 100))).toEqual(
        sorted([one.sessionId, two.sessionId]),
      );
    });

    it('finds no session that has reached its end, and deletes such rows', async () => {
      const now = Date.now();
      const ended = buildProviderSession({ expiresAt: now - 1000 });
      const live = buildProviderSession({ subject: ended.subject });
      await store.save(ended);
      await store.save(live);
      expect(await store.sessionIdsOf({ provider: 'idp', subject: ended.subject }, now, 100)).toEqual([live.sessionId]);
      expect(await store.deleteExpired(now)).toBeGreaterThanOrEqual(1);
      // Asked as if before its end: a row still there would be found.
      expect(await store.sessionIdsOf({ provider: 'idp', subject: ended.subject }, now - 60_000, 100)).toEqual([
        live.sessionId,
      ]);
    });

    it('answers at most the limit', async () => {
      const subject = `sub-${randomUUID()}`;
      for (let i = 0; i < 5; i++) await store.save(buildProviderSession({ subject }));
      expect(await store.sessionIdsOf({ provider: 'idp', subject }, Date.now(), 3)).toHaveLength(3);
    });

    it('refuses a second row for the same session', async () => {
      const row = buildProviderSession();
      await store.save(row);
      await expect(store.save({ ...row, providerSid: 'another' })).rejects.toThrow();
      expect(await store.sessionIdsOf({ provider: 'idp', providerSid: 'another' }, Date.now(), 100)).toEqual([]);
    });
  });
}
