import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAuditCursor } from '../audit/audit-cursor.js';
import type { AuditStore, StoredAuditRecord } from '../audit/audit-store.js';
import { isAuthError } from '../errors/auth-error.js';
import type { StoreFixture } from './session-store-suite.js';

/** A valid audit record of a fresh user; override any field. */
export function buildAuditRecord(overrides: Partial<StoredAuditRecord> = {}): StoredAuditRecord {
  return {
    id: randomUUID(),
    at: Date.now(),
    event: 'login.succeeded',
    outcome: 'success',
    userId: randomUUID(),
    sessionId: 'c2Vzc2lvbi1pZC0wMDAwMDA',
    actorId: null,
    ip: '192.0.2.7',
    userAgent: 'conformance/1.0',
    requestId: 'req-1',
    details: { username: 'zoë', device: null, nested: { n: 1, list: ['a', 'b'] } },
    ...overrides,
  };
}

/**
 * The contract every {@link AuditStore} must honour, run against a real
 * backend. Each test filters on fresh user ids, so a shared database is fine.
 *
 * @example
 * runAuditStoreSuite('sqlite', async () => ({ store: createSqlAuditStore(db) }));
 */
export function runAuditStoreSuite(name: string, factory: () => Promise<StoreFixture<AuditStore>>): void {
  describe(`AuditStore conformance: ${name}`, () => {
    let fixture: StoreFixture<AuditStore>;
    let store: AuditStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it('returns appended records exactly as they were given', async () => {
      const userId = randomUUID();
      const full = buildAuditRecord({ userId, at: 1_700_000_000_123, userAgent: 'Ünïcödé 📱 agent' });
      const sparse = buildAuditRecord({
        userId,
        at: 1_700_000_000_000,
        event: 'session.revoked',
        sessionId: null,
        actorId: randomUUID(),
        ip: null,
        userAgent: null,
        requestId: null,
        details: {},
      });
      await store.append([full, sparse]);
      const page = await store.query({ userId, limit: 10 });
      expect(page).toEqual({ records: [full, sparse], nextCursor: null });
    });

    it('accepts an empty batch', async () => {
      await expect(store.append([])).resolves.toBeUndefined();
    });

    it('skips records whose id is already stored, so a batch can be appended again', async () => {
      const userId = randomUUID();
      const first = buildAuditRecord({ userId, at: 1_700_000_000_000 });
      await store.append([first]);
      const second = buildAuditRecord({ userId, at: 1_700_000_000_001 });
      await store.append([first, second]);
      await store.append([first, second]);
      expect((await store.query({ userId, limit: 10 })).records).toEqual([second, first]);
    });

    it('stores a batch all or nothing', async () => {
      const userId = randomUUID();
      const good = buildAuditRecord({ userId });
      // Every backend refuses a record without an event name (a NOT NULL column).
      const bad = buildAuditRecord({ userId, event: null as unknown as string });
      await expect(store.append([good, bad])).rejects.toSatisfy((e) => isAuthError(e, 'ERR_STORE_UNAVAILABLE'));
      expect((await store.query({ userId, limit: 10 })).records).toEqual([]);
    });

    it('filters by user, session, events, outcome, ip and time range, all together', async () => {
      const userId = randomUUID();
      const base = 1_700_000_100_000;
      const records = [
        buildAuditRecord({ userId, at: base, event: 'login.succeeded', sessionId: 'S1' }),
        buildAuditRecord({ userId, at: base + 1, event: 'login.failed', outcome: 'failure', sessionId: null }),
        buildAuditRecord({ userId, at: base + 2, event: 'session.refreshed', sessionId: 'S1', ip: '198.51.100.2' }),
        buildAuditRecord({
          userId,
          at: base + 3,
          event: 'session.reuse-detected',
          outcome: 'failure',
          sessionId: 'S2',
        }),
        buildAuditRecord({ userId, at: base + 4, event: 'session.revoked', sessionId: 'S2' }),
      ];
      const [login, failed, refreshed, reused, revoked] = records as [
        StoredAuditRecord,
        StoredAuditRecord,
        StoredAuditRecord,
        StoredAuditRecord,
        StoredAuditRecord,
      ];
      await store.append(records);
      await store.append([buildAuditRecord({ at: base + 2, sessionId: 'S1' })]);
      const ids = async (query: Partial<Parameters<AuditStore['query']>[0]>) =>
        (await store.query({ userId, limit: 50, ...query })).records.map((r) => r.id);

      expect(await ids({})).toEqual([revoked.id, reused.id, refreshed.id, failed.id, login.id]);
      expect(await ids({ sessionId: 'S1' })).toEqual([refreshed.id, login.id]);
      expect(await ids({ events: ['login.failed', 'session.revoked'] })).toEqual([revoked.id, failed.id]);
      expect(await ids({ outcome: 'failure' })).toEqual([reused.id, failed.id]);
      expect(await ids({ ip: '198.51.100.2' })).toEqual([refreshed.id]);
      expect(await ids({ since: base + 1, until: base + 3 })).toEqual([refreshed.id, failed.id]);
      expect(await ids({ outcome: 'failure', sessionId: 'S2', since: base + 3 })).toEqual([reused.id]);
      expect(await ids({ events: [] })).toEqual([]);
      expect(await ids({ ip: '203.0.113.9' })).toEqual([]);
    });

    it('matches filters exactly, letter case included', async () => {
      const userId = randomUUID();
      const record = buildAuditRecord({ userId, sessionId: 'AbCdEf' });
      await store.append([record]);
      expect((await store.query({ userId, sessionId: 'abcdef', limit: 5 })).records).toEqual([]);
      expect((await store.query({ userId: userId.toUpperCase(), limit: 5 })).records).toEqual([]);
      expect((await store.query({ userId, sessionId: 'AbCdEf', limit: 5 })).records).toEqual([record]);
    });

    it('pages newest first with a cursor, ties in time broken by id, without gaps or repeats', async () => {
      const userId = randomUUID();
      const at = 1_700_000_200_000;
      // Seven records, four sharing one millisecond: the cursor must carry more than the time.
      const records = [0, 1, 2, 2, 2, 2, 3].map((offset) => buildAuditRecord({ userId, at: at + offset }));
      await store.append(records);
      const expected = [...records].sort((a, b) => b.at - a.at || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.query({ userId, limit: 3, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...page.records.map((r) => r.id));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor !== undefined && pages < 10);
      expect(seen).toEqual(expected.map((r) => r.id));
      expect(pages).toBe(3);
    });

    it('keeps the pages still to come stable while newer records arrive', async () => {
      const userId = randomUUID();
      const at = 1_700_000_300_000;
      const older = [0, 1, 2, 3].map((offset) => buildAuditRecord({ userId, at: at + offset }));
      await store.append(older);
      const first = await store.query({ userId, limit: 2 });
      await store.append([buildAuditRecord({ userId, at: at + 10 })]);
      const second = await store.query({ userId, limit: 2, cursor: first.nextCursor as string });
      expect(second.records.map((r) => r.at)).toEqual([at + 1, at]);
      expect(second.nextCursor).toBeNull();
    });

    it('answers no cursor when the last page is exactly full', async () => {
      const userId = randomUUID();
      await store.append([buildAuditRecord({ userId, at: 1 }), buildAuditRecord({ userId, at: 2 })]);
      expect((await store.query({ userId, limit: 2 })).nextCursor).toBeNull();
    });

    it('refuses a cursor it did not issue', async () => {
      for (const cursor of ['not a cursor', 'AAAA', `${encodeAuditCursor({ at: 1, id: 'x' }).slice(0, -2)}!!`]) {
        await expect(store.query({ limit: 5, cursor })).rejects.toSatisfy((e) => isAuthError(e, 'ERR_INVALID_CURSOR'));
      }
    });

    it('prunes records older than a time, and only those', async () => {
      const userId = randomUUID();
      const cut = 1_000_000_000_000;
      const old = buildAuditRecord({ userId, at: cut - 1 });
      const kept = buildAuditRecord({ userId, at: cut });
      await store.append([old, kept]);
      expect(await store.prune(cut)).toBeGreaterThanOrEqual(1);
      expect((await store.query({ userId, limit: 5 })).records).toEqual([kept]);
      expect(await store.prune(cut)).toBe(0);
    });

    it('lets concurrent batches all land', async () => {
      const userId = randomUUID();
      const batches = Array.from({ length: 8 }, (_, i) =>
        Array.from({ length: 5 }, (_, j) => buildAuditRecord({ userId, at: 1_700_000_400_000 + i * 10 + j })),
      );
      await Promise.all(batches.map((batch) => store.append(batch)));
      expect((await store.query({ userId, limit: 200 })).records).toHaveLength(40);
    });
  });
}
