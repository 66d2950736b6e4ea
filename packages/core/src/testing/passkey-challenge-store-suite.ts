import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PasskeyChallenge, PasskeyChallengeStore } from '../mfa/passkey-challenge.js';
import type { StoreFixture } from './session-store-suite.js';

/** A valid challenge with a fresh id; override any field. */
export function buildPasskeyChallenge(overrides: Partial<PasskeyChallenge> = {}): PasskeyChallenge {
  return {
    id: randomBytes(32).toString('base64url'),
    purpose: 'second-factor',
    userId: randomUUID(),
    loginChallengeId: randomBytes(32).toString('base64url'),
    expiresAt: Date.now() + 300_000,
    ...overrides,
  };
}

/**
 * The contract every {@link PasskeyChallengeStore} must honour, run against
 * a real backend. Ids are fresh per test, so a shared database is fine.
 *
 * @example
 * runPasskeyChallengeStoreSuite('sqlite', async () => ({ store: createSqlPasskeyChallengeStore(db) }));
 */
export function runPasskeyChallengeStoreSuite(
  name: string,
  factory: () => Promise<StoreFixture<PasskeyChallengeStore>>,
): void {
  describe(`PasskeyChallengeStore conformance: ${name}`, () => {
    let fixture: StoreFixture<PasskeyChallengeStore>;
    let store: PasskeyChallengeStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it('hands a created challenge back exactly as it was stored, once', async () => {
      const challenge = buildPasskeyChallenge();
      await store.create(challenge);
      expect(await store.take(challenge.id, Date.now())).toEqual(challenge);
      expect(await store.take(challenge.id, Date.now())).toBeNull();
    });

    it('keeps a challenge without a user or a login as such', async () => {
      const challenge = buildPasskeyChallenge({ purpose: 'sign-in', userId: null, loginChallengeId: null });
      await store.create(challenge);
      expect(await store.take(challenge.id, Date.now())).toEqual(challenge);
    });

    it('hands out nothing for an unknown id or one of another letter case', async () => {
      const challenge = buildPasskeyChallenge({ purpose: 'register', loginChallengeId: null });
      await store.create(challenge);
      expect(await store.take(randomBytes(32).toString('base64url'), Date.now())).toBeNull();
      const other = challenge.id.replace(/[a-z]/, (c) => c.toUpperCase());
      if (other !== challenge.id) expect(await store.take(other, Date.now())).toBeNull();
      expect(await store.take(challenge.id, Date.now())).toEqual(challenge);
    });

    it('hands out no expired challenge', async () => {
      const now = Date.now();
      const challenge = buildPasskeyChallenge({ expiresAt: now + 1000 });
      await store.create(challenge);
      expect(await store.take(challenge.id, now + 1000)).toBeNull();
    });

    it('gives a challenge to exactly one of many concurrent callers', async () => {
      const challenge = buildPasskeyChallenge();
      await store.create(challenge);
      const results = await Promise.all(Array.from({ length: 12 }, () => store.take(challenge.id, Date.now())));
      expect(results.filter((taken) => taken !== null)).toEqual([challenge]);
    });

    it('deletes challenges that expired before a time, and only those', async () => {
      const now = Date.now();
      const live = buildPasskeyChallenge({ expiresAt: now + 60_000 });
      await store.create(buildPasskeyChallenge({ expiresAt: now + 500 }));
      await store.create(live);
      expect(await store.deleteExpired(now + 1000)).toBeGreaterThanOrEqual(0);
      expect(await store.take(live.id, now)).toEqual(live);
    });
  });
}
