import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MfaStore, SecondFactorRef } from '../mfa/mfa-store.js';
import type { PasskeyStore } from '../mfa/passkey-store.js';
import { buildPasskey } from './passkey-store-suite.js';
import type { StoreFixture } from './session-store-suite.js';

const sealed = () => `v1.test.${randomBytes(24).toString('base64url')}`;
const codeHash = () => randomBytes(32).toString('base64url');

/** An {@link MfaStore} and the passkey store on the same backend, whose passkeys it removes. */
export interface MfaStoreFixture extends StoreFixture<MfaStore> {
  readonly passkeys: PasskeyStore;
}

const app: SecondFactorRef = { kind: 'totp' };
const passkey = (id: string): SecondFactorRef => ({ kind: 'passkey', id });

/**
 * The contract every {@link MfaStore} must honour, run against a real
 * backend. Each test uses fresh user ids, so a shared database is fine.
 *
 * @example
 * runMfaStoreSuite('sqlite', async () => ({ store: createSqlMfaStore(db), passkeys: createSqlPasskeyStore(db) }));
 */
export function runMfaStoreSuite(name: string, factory: () => Promise<MfaStoreFixture>): void {
  describe(`MfaStore conformance: ${name}`, () => {
    let fixture: MfaStoreFixture;
    let store: MfaStore;
    let passkeys: PasskeyStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
      passkeys = fixture.passkeys;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    /** A user with a confirmed secret, step 100 spent, and these recovery codes. */
    async function enrolled(codes: readonly string[] = [codeHash(), codeHash()]) {
      const userId = randomUUID();
      const secret = sealed();
      const now = Date.now();
      expect(await store.startTotp({ userId, secret, createdAt: now })).toBe(true);
      expect(await store.confirmTotp(userId, { secret, step: 100, recoveryCodeHashes: codes, now })).toBe(true);
      return { userId, secret, now };
    }

    it('has nothing for a user who set nothing up', async () => {
      const userId = randomUUID();
      expect(await store.get(userId)).toEqual({ totp: null, recoveryCodesLeft: 0 });
      expect(await store.useTotpStep(userId, 1)).toBe(false);
      expect(await store.useRecoveryCode(userId, codeHash(), Date.now())).toBe(false);
      expect(await store.replaceRecoveryCodes(userId, [codeHash()], Date.now())).toBe(false);
      expect(await store.removeFactor(userId, app, { keepOne: false })).toBe('not-found');
    });

    it('keeps a started secret unconfirmed, and a new start replaces it', async () => {
      const userId = randomUUID();
      const [first, second] = [sealed(), sealed()];
      expect(await store.startTotp({ userId, secret: first, createdAt: 1000 })).toBe(true);
      expect(await store.startTotp({ userId, secret: second, createdAt: 2000 })).toBe(true);
      expect(await store.get(userId)).toEqual({
        totp: { userId, secret: second, confirmedAt: null, lastUsedStep: null, createdAt: 2000 },
        recoveryCodesLeft: 0,
      });
      // An unconfirmed secret is no factor: none of its steps can be spent.
      expect(await store.useTotpStep(userId, 5)).toBe(false);
    });

    it('confirms only the secret that is pending, with its step spent and its recovery codes', async () => {
      const userId = randomUUID();
      const [old, current] = [sealed(), sealed()];
      await store.startTotp({ userId, secret: old, createdAt: 1000 });
      await store.startTotp({ userId, secret: current, createdAt: 2000 });
      const codes = [codeHash(), codeHash(), codeHash()];
      expect(await store.confirmTotp(userId, { secret: old, step: 7, recoveryCodeHashes: codes, now: 3000 })).toBe(
        false,
      );
      expect((await store.get(userId)).totp?.confirmedAt).toBeNull();
      expect(await store.confirmTotp(userId, { secret: current, step: 7, recoveryCodeHashes: codes, now: 3000 })).toBe(
        true,
      );
      expect(await store.get(userId)).toEqual({
        totp: { userId, secret: current, confirmedAt: 3000, lastUsedStep: 7, createdAt: 2000 },
        recoveryCodesLeft: 3,
      });
      expect(await store.confirmTotp(userId, { secret: current, step: 8, recoveryCodeHashes: codes, now: 4000 })).toBe(
        false,
      );
    });

    it('refuses a new start while a confirmed secret exists, changing nothing', async () => {
      const { userId, secret } = await enrolled();
      expect(await store.startTotp({ userId, secret: sealed(), createdAt: Date.now() })).toBe(false);
      expect((await store.get(userId)).totp?.secret).toBe(secret);
    });

    it('spends each time step once, and never one at or before the last spent', async () => {
      const { userId } = await enrolled();
      expect(await store.useTotpStep(userId, 100)).toBe(false);
      expect(await store.useTotpStep(userId, 99)).toBe(false);
      expect(await store.useTotpStep(userId, 101)).toBe(true);
      expect(await store.useTotpStep(userId, 101)).toBe(false);
      expect((await store.get(userId)).totp?.lastUsedStep).toBe(101);
    });

    it('gives one time step to exactly one of many concurrent callers', async () => {
      const { userId } = await enrolled();
      const results = await Promise.all(Array.from({ length: 12 }, () => store.useTotpStep(userId, 200)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('spends a recovery code once, only the user’s own', async () => {
      const [a, b] = [codeHash(), codeHash()];
      const { userId } = await enrolled([a, b]);
      const other = await enrolled([codeHash()]);
      expect(await store.useRecoveryCode(other.userId, a, Date.now())).toBe(false);
      expect(await store.useRecoveryCode(userId, a, Date.now())).toBe(true);
      expect(await store.useRecoveryCode(userId, a, Date.now())).toBe(false);
      expect((await store.get(userId)).recoveryCodesLeft).toBe(1);
      expect((await store.get(other.userId)).recoveryCodesLeft).toBe(1);
    });

    it('gives one recovery code to exactly one of many concurrent callers', async () => {
      const code = codeHash();
      const { userId } = await enrolled([code]);
      const results = await Promise.all(
        Array.from({ length: 12 }, () => store.useRecoveryCode(userId, code, Date.now())),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('replaces every recovery code, used or not, only while a confirmed secret exists', async () => {
      const old = codeHash();
      const { userId } = await enrolled([old, codeHash()]);
      await store.useRecoveryCode(userId, old, Date.now());
      const fresh = [codeHash(), codeHash(), codeHash()];
      expect(await store.replaceRecoveryCodes(userId, fresh, Date.now())).toBe(true);
      expect((await store.get(userId)).recoveryCodesLeft).toBe(3);
      expect(await store.useRecoveryCode(userId, old, Date.now())).toBe(false);
      expect(await store.useRecoveryCode(userId, fresh[0] as string, Date.now())).toBe(true);

      const pending = randomUUID();
      await store.startTotp({ userId: pending, secret: sealed(), createdAt: Date.now() });
      expect(await store.replaceRecoveryCodes(pending, fresh, Date.now())).toBe(false);
      expect((await store.get(pending)).recoveryCodesLeft).toBe(0);
    });

    /** `count` passkeys of `userId`; returns their ids. */
    async function addPasskeys(userId: string, count: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const added = buildPasskey({ userId });
        expect(await passkeys.add(added)).toBe(true);
        ids.push(added.id);
      }
      return ids;
    }

    it('removes the secret and every recovery code, and says whether a factor was set up', async () => {
      const code = codeHash();
      const { userId } = await enrolled([code]);
      expect(await store.removeFactor(userId, app, { keepOne: false })).toBe('removed');
      expect(await store.get(userId)).toEqual({ totp: null, recoveryCodesLeft: 0 });
      expect(await store.useRecoveryCode(userId, code, Date.now())).toBe(false);
      expect(await store.removeFactor(userId, app, { keepOne: false })).toBe('not-found');

      const pending = randomUUID();
      await store.startTotp({ userId: pending, secret: sealed(), createdAt: Date.now() });
      expect(await store.removeFactor(pending, app, { keepOne: true })).toBe('not-found');
      expect((await store.get(pending)).totp).toBeNull();
      // Set up again from scratch after a removal.
      expect(await store.startTotp({ userId, secret: sealed(), createdAt: Date.now() })).toBe(true);
    });

    it('leaves no recovery code behind when a removal and a new set of codes race', async () => {
      const { userId } = await enrolled();
      await Promise.all([
        store.replaceRecoveryCodes(userId, [codeHash(), codeHash()], Date.now()),
        store.removeFactor(userId, app, { keepOne: false }),
      ]);
      expect(await store.get(userId)).toEqual({ totp: null, recoveryCodesLeft: 0 });
    });

    it("removes only the user's own passkey, and each once", async () => {
      const userId = randomUUID();
      const [id, other] = (await addPasskeys(userId, 2)) as [string, string];
      expect(await store.removeFactor(randomUUID(), passkey(id), { keepOne: false })).toBe('not-found');
      expect(await store.removeFactor(userId, passkey(id.toLowerCase()), { keepOne: false })).toBe('not-found');
      expect(await store.removeFactor(userId, passkey(id), { keepOne: false })).toBe('removed');
      expect(await store.removeFactor(userId, passkey(id), { keepOne: false })).toBe('not-found');
      expect(await passkeys.find(id)).toBeNull();
      expect((await passkeys.list(userId)).map((left) => left.id)).toEqual([other]);
    });

    it('keeps the last second factor when asked to keep one, whichever kind it is', async () => {
      const { userId } = await enrolled();
      expect(await store.removeFactor(userId, app, { keepOne: true })).toBe('last-factor');
      expect((await store.get(userId)).totp?.confirmedAt).not.toBeNull();
      const [id] = (await addPasskeys(userId, 1)) as [string];
      expect(await store.removeFactor(userId, app, { keepOne: true })).toBe('removed');
      expect(await store.get(userId)).toEqual({ totp: null, recoveryCodesLeft: 0 });
      expect(await store.removeFactor(userId, passkey(id), { keepOne: true })).toBe('last-factor');
      expect(await passkeys.find(id)).not.toBeNull();
      expect(await store.removeFactor(userId, passkey(id), { keepOne: false })).toBe('removed');

      // An unconfirmed secret is no factor to keep.
      const pending = randomUUID();
      await store.startTotp({ userId: pending, secret: sealed(), createdAt: Date.now() });
      const [only] = (await addPasskeys(pending, 1)) as [string];
      expect(await store.removeFactor(pending, passkey(only), { keepOne: true })).toBe('last-factor');
    });

    it('lets concurrent removals that each keep one leave the user one factor, never none', async () => {
      const userId = randomUUID();
      const ids = await addPasskeys(userId, 6);
      const results = await Promise.all(ids.map((id) => store.removeFactor(userId, passkey(id), { keepOne: true })));
      expect(results.filter((result) => result === 'removed')).toHaveLength(5);
      expect(results.filter((result) => result === 'last-factor')).toHaveLength(1);
      expect(await passkeys.list(userId)).toHaveLength(1);
    });

    it('lets only one of the app and the last passkey go when both are removed at once, keeping one', async () => {
      for (let round = 0; round < 4; round++) {
        const { userId } = await enrolled();
        const [id] = (await addPasskeys(userId, 1)) as [string];
        const results = await Promise.all([
          store.removeFactor(userId, app, { keepOne: true }),
          store.removeFactor(userId, passkey(id), { keepOne: true }),
        ]);
        expect([...results].sort()).toEqual(['last-factor', 'removed']);
        const left = Number((await store.get(userId)).totp !== null) + (await passkeys.list(userId)).length;
        expect(left).toBe(1);
      }
    });

    it('removes every factor when nothing needs keeping, concurrently too', async () => {
      const { userId } = await enrolled();
      const ids = await addPasskeys(userId, 3);
      const results = await Promise.all([
        store.removeFactor(userId, app, { keepOne: false }),
        ...ids.map((id) => store.removeFactor(userId, passkey(id), { keepOne: false })),
      ]);
      expect(results).toEqual(['removed', 'removed', 'removed', 'removed']);
      expect(await store.get(userId)).toEqual({ totp: null, recoveryCodesLeft: 0 });
      expect(await passkeys.list(userId)).toEqual([]);
    });
  });
}
