import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginChallenge, LoginChallengeStore } from '../mfa/login-challenge.js';
import type { StoreFixture } from './session-store-suite.js';

/** A valid challenge with a fresh id and user; override any field. */
export function buildLoginChallenge(overrides: Partial<LoginChallenge> = {}): LoginChallenge {
  const now = Date.now();
  return {
    id: randomBytes(32).toString('base64url'),
    userId: randomUUID(),
    purpose: 'verify',
    network: '192.0.2.1',
    userAgent: 'conformance/1.0',
    device: 'Ünïcödé phone 📱',
    cookie: false,
    amr: ['pwd'],
    authTime: now,
    credentialVersion: 3,
    expiresAt: now + 300_000,
    ...overrides,
  };
}

/**
 * The contract every {@link LoginChallengeStore} must honour, run against a
 * real backend. Ids are fresh per test, so a shared database is fine.
 *
 * @example
 * runLoginChallengeStoreSuite('sqlite', async () => ({ store: createSqlLoginChallengeStore(db) }));
 */
export function runLoginChallengeStoreSuite(
  name: string,
  factory: () => Promise<StoreFixture<LoginChallengeStore>>,
): void {
  describe(`LoginChallengeStore conformance: ${name}`, () => {
    let fixture: StoreFixture<LoginChallengeStore>;
    let store: LoginChallengeStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it('returns a created challenge exactly as it was stored', async () => {
      const challenge = buildLoginChallenge({ purpose: 'enroll', cookie: true, amr: ['pwd', 'x'] });
      await store.create(challenge);
      expect(await store.find(challenge.id, Date.now())).toEqual(challenge);
    });

    it("keeps a provider sign-in's sealed hint with the challenge, and drops it with the challenge", async () => {
      const challenge = buildLoginChallenge({ providerHint: `p1.${randomBytes(900).toString('base64url')}` });
      await store.create(challenge);
      expect(await store.find(challenge.id, Date.now())).toEqual(challenge);
      expect(await store.consume(challenge.id, Date.now())).toBe(true);
      expect(await store.find(challenge.id, Date.now())).toBeNull();
    });

    it('keeps null bindings as null', async () => {
      const challenge = buildLoginChallenge({ network: null, userAgent: null, device: null });
      await store.create(challenge);
      expect(await store.find(challenge.id, Date.now())).toEqual(challenge);
    });

    it('finds nothing for an unknown id or one of another letter case', async () => {
      const challenge = buildLoginChallenge();
      await store.create(challenge);
      expect(await store.find(randomBytes(32).toString('base64url'), Date.now())).toBeNull();
      const other = challenge.id.replace(/[a-z]/, (c) => c.toUpperCase());
      if (other !== challenge.id) expect(await store.find(other, Date.now())).toBeNull();
    });

    it('neither finds nor consumes an expired challenge', async () => {
      const challenge = buildLoginChallenge({ expiresAt: Date.now() - 1 });
      await store.create(challenge);
      expect(await store.find(challenge.id, Date.now())).toBeNull();
      expect(await store.consume(challenge.id, Date.now())).toBe(false);
    });

    it('consumes a challenge once: it is gone after', async () => {
      const challenge = buildLoginChallenge();
      await store.create(challenge);
      expect(await store.consume(challenge.id, Date.now())).toBe(true);
      expect(await store.consume(challenge.id, Date.now())).toBe(false);
      expect(await store.find(challenge.id, Date.now())).toBeNull();
    });

    it('lets exactly one of many concurrent callers consume a challenge', async () => {
      const challenge = buildLoginChallenge();
      await store.create(challenge);
      const results = await Promise.all(Array.from({ length: 12 }, () => store.consume(challenge.id, Date.now())));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('deletes challenges that expired before a time, and only those', async () => {
      const now = Date.now();
      const old = buildLoginChallenge({ expiresAt: now - 60_000 });
      const live = buildLoginChallenge({ expiresAt: now + 60_000 });
      await store.create(old);
      await store.create(live);
      expect(await store.deleteExpired(now - 1000)).toBeGreaterThanOrEqual(1);
      expect(await store.consume(old.id, now - 120_000)).toBe(false);
      expect(await store.find(live.id, now)).toEqual(live);
    });
  });
}
