import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Passkey, PasskeyStore } from '../mfa/passkey-store.js';
import type { StoreFixture } from './session-store-suite.js';

/** A valid passkey with a fresh credential id and user; override any field. */
export function buildPasskey(overrides: Partial<Passkey> = {}): Passkey {
  return {
    id: randomBytes(32).toString('base64url'),
    userId: randomUUID(),
    publicKey: randomBytes(77).toString('base64url'),
    counter: 0,
    transports: ['internal', 'hybrid'],
    deviceType: 'multiDevice',
    backupEligible: true,
    backedUp: false,
    name: 'Ünïcödé phone 📱',
    createdAt: Date.now(),
    lastUsedAt: null,
    ...overrides,
  };
}

/**
 * The contract every {@link PasskeyStore} must honour, run against a real
 * backend. Ids and users are fresh per test, so a shared database is fine.
 *
 * @example
 * runPasskeyStoreSuite('sqlite', async () => ({ store: createSqlPasskeyStore(db) }));
 */
export function runPasskeyStoreSuite(name: string, factory: () => Promise<StoreFixture<PasskeyStore>>): void {
  describe(`PasskeyStore conformance: ${name}`, () => {
    let fixture: StoreFixture<PasskeyStore>;
    let store: PasskeyStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it('returns an added passkey exactly as it was stored', async () => {
      const passkey = buildPasskey({ counter: 2 ** 32 - 1, backedUp: true, lastUsedAt: Date.now() });
      expect(await store.add(passkey)).toBe(true);
      expect(await store.find(passkey.id)).toEqual(passkey);
      const single = buildPasskey({ transports: [], deviceType: 'singleDevice', backupEligible: false });
      expect(await store.add(single)).toBe(true);
      expect(await store.find(single.id)).toEqual(single);
    });

    it('refuses a second passkey with a taken credential id, for the same or another user', async () => {
      const passkey = buildPasskey();
      expect(await store.add(passkey)).toBe(true);
      expect(await store.add({ ...passkey, publicKey: 'other' })).toBe(false);
      expect(await store.add(buildPasskey({ id: passkey.id }))).toBe(false);
      expect(await store.find(passkey.id)).toEqual(passkey);
    });

    it('lets exactly one of concurrent registrations of one credential id win', async () => {
      const id = randomBytes(16).toString('base64url');
      const results = await Promise.all(Array.from({ length: 8 }, () => store.add(buildPasskey({ id }))));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('finds credential ids exactly: another letter case is another credential', async () => {
      const passkey = buildPasskey({ id: `AbCdEfGh${randomBytes(8).toString('hex')}` });
      await store.add(passkey);
      expect(await store.find(passkey.id.toLowerCase())).toBeNull();
      expect(await store.find(randomBytes(32).toString('base64url'))).toBeNull();
    });

    it("lists a user's passkeys oldest first, and nobody else's", async () => {
      const userId = randomUUID();
      const now = Date.now();
      const second = buildPasskey({ userId, createdAt: now + 1000 });
      const first = buildPasskey({ userId, createdAt: now });
      await store.add(second);
      await store.add(first);
      await store.add(buildPasskey());
      expect(await store.list(userId)).toEqual([first, second]);
      expect(await store.list(randomUUID())).toEqual([]);
    });

    it('moves the counter forward and keeps the backup flag and time of the use', async () => {
      const passkey = buildPasskey({ counter: 5 });
      await store.add(passkey);
      const usedAt = Date.now() + 5000;
      expect(await store.recordUse(passkey.id, { counter: 9, backedUp: true, usedAt })).toBe(true);
      expect(await store.find(passkey.id)).toEqual({ ...passkey, counter: 9, backedUp: true, lastUsedAt: usedAt });
    });

    it('refuses a counter that did not move forward, changing nothing', async () => {
      const passkey = buildPasskey({ counter: 5 });
      await store.add(passkey);
      expect(await store.recordUse(passkey.id, { counter: 5, backedUp: true, usedAt: Date.now() })).toBe(false);
      expect(await store.recordUse(passkey.id, { counter: 4, backedUp: true, usedAt: Date.now() })).toBe(false);
      expect(await store.recordUse(passkey.id, { counter: 0, backedUp: true, usedAt: Date.now() })).toBe(false);
      expect(await store.find(passkey.id)).toEqual(passkey);
    });

    it('accepts every use of an authenticator that keeps no counter (0 and 0)', async () => {
      const passkey = buildPasskey({ counter: 0 });
      await store.add(passkey);
      expect(await store.recordUse(passkey.id, { counter: 0, backedUp: false, usedAt: Date.now() })).toBe(true);
      expect(await store.recordUse(passkey.id, { counter: 0, backedUp: false, usedAt: Date.now() })).toBe(true);
    });

    it('lets exactly one of concurrent uses with one counter through', async () => {
      const passkey = buildPasskey({ counter: 1 });
      await store.add(passkey);
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          store.recordUse(passkey.id, { counter: 2, backedUp: false, usedAt: Date.now() }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('records no use of a passkey that is gone', async () => {
      expect(
        await store.recordUse(randomBytes(32).toString('base64url'), { counter: 1, backedUp: false, usedAt: 1 }),
      ).toBe(false);
    });

    it("renames only the user's own passkey", async () => {
      const passkey = buildPasskey();
      await store.add(passkey);
      expect(await store.rename(randomUUID(), passkey.id, 'stolen')).toBe(false);
      expect(await store.rename(passkey.userId, passkey.id, 'Laptop 💻')).toBe(true);
      expect((await store.find(passkey.id))?.name).toBe('Laptop 💻');
      expect(await store.rename(passkey.userId, passkey.id, 'Laptop 💻')).toBe(true);
    });

    it("removes all of a user's passkeys, and only theirs", async () => {
      const userId = randomUUID();
      const other = buildPasskey();
      await store.add(buildPasskey({ userId }));
      await store.add(buildPasskey({ userId }));
      await store.add(other);
      expect(await store.removeAll(userId)).toBe(2);
      expect(await store.list(userId)).toEqual([]);
      expect(await store.find(other.id)).toEqual(other);
    });
  });
}
