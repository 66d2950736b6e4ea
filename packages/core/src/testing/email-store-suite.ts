import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailStore, EmailTokenRecord, OutboxMail } from '../email/email-store.js';
import type { StoreFixture } from './session-store-suite.js';

const hash = () => randomBytes(32).toString('base64url');

/** A live emailed secret with a code; override any field. */
export function buildEmailTokenRecord(overrides: Partial<EmailTokenRecord> = {}): EmailTokenRecord {
  const now = Date.now();
  return {
    id: randomUUID(),
    userId: randomUUID(),
    purpose: 'verify-email',
    email: `someone-${randomBytes(4).toString('hex')}@example.com`,
    linkHash: hash(),
    codeHash: hash(),
    stamp: hash(),
    attempts: 0,
    createdAt: now,
    expiresAt: now + 3_600_000,
    usedAt: null,
    ...overrides,
  };
}

/** A queued mail; override any field. */
export function buildOutboxMail(overrides: Partial<OutboxMail> = {}): OutboxMail {
  return {
    id: randomUUID(),
    userId: randomUUID(),
    kind: 'verify-email',
    recipient: 'someone@example.com',
    payload: `sealed-${hash()}`,
    createdAt: Date.now(),
    ...overrides,
  };
}

/**
 * The contract every {@link EmailStore} must honour, run against a real backend.
 *
 * @example
 * runEmailStoreSuite('sqlite', async () => ({ store: createSqlEmailStore(db) }));
 */
export function runEmailStoreSuite(name: string, factory: () => Promise<StoreFixture<EmailStore>>): void {
  describe(`EmailStore conformance: ${name}`, () => {
    let fixture: StoreFixture<EmailStore>;
    let store: EmailStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    /** Mails of this test only: each test queues with its own time far in the past or future. */
    async function claimAll(now: number, claimer = `c-${randomUUID()}`, leaseMs = 60_000) {
      return store.claimMail({ now, limit: 100, leaseMs, claimer });
    }

    it('consumes a link once, only for its purpose, only before it expires', async () => {
      const token = buildEmailTokenRecord({ purpose: 'reset-password' });
      await store.issue(token, []);
      const now = token.createdAt + 1000;
      expect(await store.consumeLink('verify-email', token.linkHash, now)).toBeNull();
      expect(await store.consumeLink('reset-password', token.linkHash, now)).toEqual({ ...token, usedAt: now });
      expect(await store.consumeLink('reset-password', token.linkHash, now + 1)).toBeNull();
      const expired = buildEmailTokenRecord({ purpose: 'reset-password' });
      await store.issue(expired, []);
      expect(await store.consumeLink('reset-password', expired.linkHash, expired.expiresAt)).toBeNull();
      expect(await store.consumeLink('reset-password', hash(), now)).toBeNull();
    });

    it('finds a live link without using it, only for its purpose, and never one used or expired', async () => {
      const token = buildEmailTokenRecord({ purpose: 'reset-password' });
      await store.issue(token, []);
      const now = token.createdAt + 1000;
      expect(await store.findLink('verify-email', token.linkHash, now)).toBeNull();
      expect(await store.findLink('reset-password', token.linkHash, now)).toEqual(token);
      expect(await store.findLink('reset-password', token.linkHash, now)).toEqual(token);
      expect(await store.findLink('reset-password', token.linkHash, token.expiresAt)).toBeNull();
      expect(await store.findLink('reset-password', hash(), now)).toBeNull();
      // Finding it used nothing: it is consumed once, and then found no more.
      expect(await store.consumeLink('reset-password', token.linkHash, now)).toEqual({ ...token, usedAt: now });
      expect(await store.findLink('reset-password', token.linkHash, now)).toBeNull();
    });

    it('lets exactly one of concurrent consumers of a link win', async () => {
      const token = buildEmailTokenRecord({ purpose: 'sign-in' });
      await store.issue(token, []);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.consumeLink('sign-in', token.linkHash, token.createdAt + 5)),
      );
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    });

    it('counts wrong codes, voids the secret after the last try, and takes a right code once', async () => {
      const token = buildEmailTokenRecord();
      await store.issue(token, []);
      const now = token.createdAt + 1;
      for (let i = 0; i < 4; i++) {
        expect(await store.consumeCode('verify-email', token.userId, hash(), now, 5)).toEqual({ outcome: 'wrong' });
      }
      expect(await store.consumeCode('sign-in', token.userId, token.codeHash as string, now, 5)).toEqual({
        outcome: 'none',
      });
      const used = await store.consumeCode('verify-email', token.userId, token.codeHash as string, now, 5);
      expect(used).toEqual({ outcome: 'used', token: { ...token, attempts: 4, usedAt: now } });
      expect(await store.consumeCode('verify-email', token.userId, token.codeHash as string, now, 5)).toEqual({
        outcome: 'none',
      });
      expect(await store.consumeLink('verify-email', token.linkHash, now)).toBeNull();

      const guessed = buildEmailTokenRecord();
      await store.issue(guessed, []);
      for (let i = 0; i < 5; i++) await store.consumeCode('verify-email', guessed.userId, hash(), now, 5);
      expect(await store.consumeCode('verify-email', guessed.userId, guessed.codeHash as string, now, 5)).toEqual({
        outcome: 'none',
      });
    });

    it('counts every one of concurrent wrong codes', async () => {
      const token = buildEmailTokenRecord();
      await store.issue(token, []);
      const now = token.createdAt + 1;
      const results = await Promise.all(
        Array.from({ length: 8 }, () => store.consumeCode('verify-email', token.userId, hash(), now, 5)),
      );
      expect(results.filter((r) => r.outcome === 'wrong')).toHaveLength(5);
      expect(results.filter((r) => r.outcome === 'none')).toHaveLength(3);
    });

    it('writes a secret and its mails all together or not at all', async () => {
      const token = buildEmailTokenRecord();
      const existing = buildOutboxMail();
      await store.issue(null, [existing]);
      // The second mail reuses an id, so the whole transaction fails: the secret must not stay.
      await expect(store.issue(token, [buildOutboxMail(), { ...existing }])).rejects.toThrow();
      expect(await store.consumeLink('verify-email', token.linkHash, token.createdAt + 1)).toBeNull();
    });

    it('hands each due mail to exactly one of concurrent senders, and again once a lease ends', async () => {
      const at = 1_000_000 + Math.floor(Math.random() * 1_000_000);
      const mails = Array.from({ length: 6 }, () => buildOutboxMail({ createdAt: at }));
      await store.issue(null, mails);
      const ids = new Set(mails.map((m) => m.id));
      const claims = await Promise.all(Array.from({ length: 4 }, () => claimAll(at + 1, `c-${randomUUID()}`, 1000)));
      const claimed = claims.flat().filter((m) => ids.has(m.id));
      expect(claimed.map((m) => m.id).sort()).toEqual([...ids].sort());
      expect(claimed.every((m) => m.attempts === 1 && m.payload.startsWith('sealed-'))).toBe(true);
      expect((await claimAll(at + 2)).filter((m) => ids.has(m.id))).toEqual([]);
      const again = (await claimAll(at + 1001)).filter((m) => ids.has(m.id));
      expect(again).toHaveLength(6);
      expect(again.every((m) => m.attempts === 2)).toBe(true);
    });

    it('settles only the current claim: sent drops the payload, a retry waits, a failure stays visible', async () => {
      const at = 3_000_000 + Math.floor(Math.random() * 1_000_000);
      const [sent, retried, failed] = [
        buildOutboxMail({ createdAt: at }),
        buildOutboxMail({ createdAt: at }),
        buildOutboxMail({ createdAt: at, kind: 'reset-password' }),
      ];
      await store.issue(
        null,
        [sent, retried, failed].map((m) => m as OutboxMail),
      );
      const claimer = `c-${randomUUID()}`;
      const mine = (await claimAll(at, claimer)).filter((m) => [sent.id, retried.id, failed.id].includes(m.id));
      expect(mine).toHaveLength(3);
      expect(await store.settleMail(sent.id, 'someone else', { status: 'sent', at })).toBe(false);
      expect(await store.settleMail(sent.id, claimer, { status: 'sent', at: at + 1 })).toBe(true);
      expect(await store.settleMail(sent.id, claimer, { status: 'sent', at: at + 2 })).toBe(false);
      expect(await store.settleMail(retried.id, claimer, { status: 'pending', retryAt: at + 500, error: 'down' })).toBe(
        true,
      );
      expect(
        await store.settleMail(failed.id, claimer, { status: 'failed', at: at + 1, error: 'x'.repeat(2000) }),
      ).toBe(true);
      expect((await claimAll(at + 499)).filter((m) => m.id === retried.id)).toEqual([]);
      expect((await claimAll(at + 500)).map((m) => m.id)).toContain(retried.id);
      const failures = await store.listMail({ status: 'failed', limit: 100 });
      const entry = failures.find((m) => m.id === failed.id);
      expect(entry).toMatchObject({
        kind: 'reset-password',
        status: 'failed',
        attempts: 1,
        recipient: failed.recipient,
      });
      expect(entry?.lastError?.length).toBeLessThanOrEqual(512);
      expect((await store.listMail({ status: 'sent', limit: 100 })).find((m) => m.id === sent.id)?.sentAt).toBe(at + 1);
      expect((await claimAll(Number.MAX_SAFE_INTEGER - 1)).map((m) => m.id)).not.toContain(sent.id);
    });

    it('purges expired secrets and old settled mails, and keeps the rest', async () => {
      const old = buildEmailTokenRecord({ createdAt: 10, expiresAt: 20 });
      const live = buildEmailTokenRecord();
      const oldMail = buildOutboxMail({ createdAt: 5 });
      const pending = buildOutboxMail({ createdAt: 5 });
      await store.issue(old, [oldMail, pending]);
      await store.issue(live, []);
      const claimer = `c-${randomUUID()}`;
      await store.claimMail({ now: 6, limit: 100, leaseMs: 1, claimer });
      await store.settleMail(oldMail.id, claimer, { status: 'sent', at: 7 });
      const purged = await store.purge(1000);
      expect(purged.tokens).toBeGreaterThanOrEqual(1);
      expect(purged.mails).toBeGreaterThanOrEqual(1);
      expect(await store.consumeLink('verify-email', live.linkHash, live.createdAt + 1)).not.toBeNull();
      const all = await store.listMail({ limit: 100 });
      expect(all.map((m) => m.id)).not.toContain(oldMail.id);
    });

    it('refuses a list limit outside 1 to 100', async () => {
      await expect(store.listMail({ limit: 0 })).rejects.toThrow(RangeError);
      await expect(store.listMail({ limit: 101 })).rejects.toThrow(RangeError);
    });
  });
}
