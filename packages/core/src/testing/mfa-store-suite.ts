import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MfaStore } from '../mfa/mfa-store.js';
import type { StoreFixture } from './session-store-suite.js';

const sealed = () => `v1.test.${randomBytes(24).toString('base64url')}`;
const codeHash = () => randomBytes(32).toString('base64url');

/**
 * The contract every {@link MfaStore} must honour, run against a real
 * backend. Each test uses fresh user ids, so a shared database is fine.
 *
 * @example
 * runMfaStoreSuite('sqlite', async () => ({ store: createSqlMfaStore(db) }));
 */
export function runMfaStoreSuite(name: string, factory: () => Promise<StoreFixture<MfaStore>>): void {
  describe(`MfaStore conformance: ${name}`, () => {
    let fixture: StoreFixture<MfaStore>;
    let store: MfaStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
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
      expect(await store.remove(userId)).toBe(false);
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

    it('removes the secret and every recovery code, and says whether a factor was set up', async () => {
      const code = codeHash();
      const { userId } = await enrolled([code]);
      expect(await store.remove(userId)).toBe(true);
      expect(await store.get(userId)).toEqual({ totp: null, recoveryCodesLeft: 0 });
      expect(await store.useRecoveryCode(userId, code, Date.now())).toBe(false);
      expect(await store.remove(userId)).toBe(false);

      const pending = randomUUID();
      await store.startTotp({ userId: pending, secret: sealed(), createdAt: Date.now() });
      expect(await store.remove(pending)).toBe(false);
      expect((await store.get(pending)).totp).toBeNull();
      // Set up again from scratch after a removal.
      expect(await store.startTotp({ userId, secret: sealed(), createdAt: Date.now() })).toBe(true);
    });

    it('leaves no recovery code behind when a removal and a new set of codes race', async () => {
      const { userId } = await enrolled();
      await Promise.all([
        store.replaceRecoveryCodes(userId, [codeHash(), codeHash()], Date.now()),
        store.remove(userId),
      ]);
      expect(await store.get(userId)).toEqual({ totp: null, recoveryCodesLeft: 0 });
    });
  });
}
