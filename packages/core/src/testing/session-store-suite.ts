import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionStore } from '../session/session-store.js';
import { buildSessionRecord } from './records.js';

/** A store under test and how to dispose of it. */
export interface StoreFixture<Store> {
  readonly store: Store;
  close?(): Promise<void>;
}

const hash = () => randomBytes(32).toString('base64url');

/**
 * The contract every {@link SessionStore} must honour, run against a real
 * backend. Each test uses fresh user ids, so a shared database is fine.
 *
 * @example
 * runSessionStoreSuite('sqlite', async () => ({ store: createSqlSessionStore(db), close: () => db.destroy() }));
 */
export function runSessionStoreSuite(name: string, factory: () => Promise<StoreFixture<SessionStore>>): void {
  describe(`SessionStore conformance: ${name}`, () => {
    let fixture: StoreFixture<SessionStore>;
    let store: SessionStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it('returns a created session exactly as it was stored', async () => {
      const session = buildSessionRecord(randomUUID(), { device: 'Ünïcödé phone 📱', generation: 3 });
      const revoked = await store.create(session, { now: Date.now(), maxActive: 0 });
      expect(revoked).toEqual([]);
      expect(await store.get(session.id)).toEqual(session);
    });

    it('keeps how the user signed in, through rotations', async () => {
      const now = Date.now();
      const session = buildSessionRecord(randomUUID(), { amr: ['pwd', 'otp', 'mfa'], authTime: now - 5000 });
      await store.create(session, { now, maxActive: 0 });
      expect(await store.get(session.id)).toEqual(session);
      const next = hash();
      expect(
        await store.rotate({
          id: session.id,
          fromGeneration: 0,
          fromHash: session.currentHash,
          toHash: next,
          now,
          refreshExpiresAt: session.refreshExpiresAt,
          ip: null,
          userAgent: null,
        }),
      ).toBe(true);
      expect(await store.get(session.id)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], authTime: now - 5000 });
      expect((await store.listActive(session.userId, now))[0]).toMatchObject({ amr: ['pwd', 'otp', 'mfa'] });
    });

    it('keeps null metadata as null', async () => {
      const session = buildSessionRecord(randomUUID(), { device: null, ip: null, userAgent: null });
      await store.create(session, { now: Date.now(), maxActive: 0 });
      expect(await store.get(session.id)).toEqual(session);
    });

    it('answers null for an unknown session', async () => {
      expect(await store.get('AAAAAAAAAAAAAAAAAAAAAA')).toBeNull();
    });

    it('finds a session by its exact id only, letter case included', async () => {
      const session = buildSessionRecord(randomUUID());
      await store.create(session, { now: Date.now(), maxActive: 0 });
      const swapped = session.id.replace(/[a-z]/g, (c) => c.toUpperCase());
      const other = swapped === session.id ? session.id.replace(/[A-Z]/g, (c) => c.toLowerCase()) : swapped;
      expect(other).not.toBe(session.id);
      expect(await store.get(other)).toBeNull();
      expect(await store.revoke(other, { now: Date.now(), reason: 'logout' })).toBeNull();
      expect((await store.get(session.id))?.revokedAt).toBeNull();
    });

    it('answers nothing for a user without sessions', async () => {
      const userId = randomUUID();
      expect(await store.listActive(userId, Date.now())).toEqual([]);
      expect(await store.revokeAll(userId, { now: Date.now(), reason: 'logout-all' })).toEqual([]);
    });

    it('lists only active sessions of the user, newest first', async () => {
      const userId = randomUUID();
      const now = Date.now();
      const older = buildSessionRecord(userId, { createdAt: now - 2000 });
      const newer = buildSessionRecord(userId, { createdAt: now - 1000 });
      const revoked = buildSessionRecord(userId, { revokedAt: now - 500, revokeReason: 'logout' });
      const expired = buildSessionRecord(userId, { expiresAt: now - 1 });
      const idle = buildSessionRecord(userId, { refreshExpiresAt: now - 1 });
      const someoneElse = buildSessionRecord(randomUUID());
      for (const s of [older, newer, revoked, expired, idle, someoneElse]) {
        await store.create(s, { now, maxActive: 0 });
      }
      const listed = await store.listActive(userId, now);
      expect(listed.map((s) => s.id)).toEqual([newer.id, older.id]);
    });

    it('revokes the oldest sessions beyond the limit in the same call', async () => {
      const userId = randomUUID();
      const now = Date.now();
      const first = buildSessionRecord(userId, { createdAt: now - 3000 });
      const second = buildSessionRecord(userId, { createdAt: now - 2000 });
      const third = buildSessionRecord(userId, { createdAt: now - 1000 });
      expect(await store.create(first, { now, maxActive: 2 })).toEqual([]);
      expect(await store.create(second, { now, maxActive: 2 })).toEqual([]);
      const evicted = await store.create(third, { now, maxActive: 2 });
      expect(evicted).toEqual([{ id: first.id, userId, revokedAt: now }]);
      expect((await store.get(first.id))?.revokedAt).toBe(now);
      expect((await store.listActive(userId, now)).map((s) => s.id)).toEqual([third.id, second.id]);
    });

    it('keeps a single active session under concurrent logins with a limit of one', async () => {
      const userId = randomUUID();
      const now = Date.now();
      const sessions = Array.from({ length: 10 }, (_, i) => buildSessionRecord(userId, { createdAt: now + i }));
      await Promise.all(sessions.map((s) => store.create(s, { now, maxActive: 1 })));
      expect(await store.listActive(userId, now)).toHaveLength(1);
    });

    it('rotates from the current generation and records the previous hash', async () => {
      const session = buildSessionRecord(randomUUID());
      await store.create(session, { now: Date.now(), maxActive: 0 });
      const now = Date.now() + 1000;
      const next = hash();
      const won = await store.rotate({
        id: session.id,
        fromGeneration: 0,
        fromHash: session.currentHash,
        toHash: next,
        now,
        refreshExpiresAt: now + 5000,
        ip: '198.51.100.7',
        userAgent: 'second/2.0',
      });
      expect(won).toBe(true);
      expect(await store.get(session.id)).toEqual({
        ...session,
        generation: 1,
        currentHash: next,
        previousHash: session.currentHash,
        rotatedAt: now,
        lastUsedAt: now,
        refreshExpiresAt: now + 5000,
        ip: '198.51.100.7',
        userAgent: 'second/2.0',
      });
    });

    it('refuses a rotation from a stale generation or hash', async () => {
      const session = buildSessionRecord(randomUUID());
      await store.create(session, { now: Date.now(), maxActive: 0 });
      const base = {
        id: session.id,
        toHash: hash(),
        now: Date.now(),
        refreshExpiresAt: Date.now() + 1000,
        ip: null,
        userAgent: null,
      };
      expect(await store.rotate({ ...base, fromGeneration: 1, fromHash: session.currentHash })).toBe(false);
      expect(await store.rotate({ ...base, fromGeneration: 0, fromHash: hash() })).toBe(false);
      expect(await store.get(session.id)).toEqual(session);
    });

    it('compares refresh-token hashes exactly, letter case included', async () => {
      const session = buildSessionRecord(randomUUID(), { currentHash: `aB${hash().slice(2)}` });
      await store.create(session, { now: Date.now(), maxActive: 0 });
      const now = Date.now();
      for (const fromHash of [session.currentHash.toUpperCase(), session.currentHash.toLowerCase()]) {
        const won = await store.rotate({
          id: session.id,
          fromGeneration: 0,
          fromHash,
          toHash: hash(),
          now,
          refreshExpiresAt: now + 1000,
          ip: null,
          userAgent: null,
        });
        expect(won).toBe(false);
      }
      expect(await store.get(session.id)).toEqual(session);
    });

    it('rotates generation after generation, each time from the latest', async () => {
      const session = buildSessionRecord(randomUUID());
      await store.create(session, { now: Date.now(), maxActive: 0 });
      let current = session.currentHash;
      for (let generation = 0; generation < 3; generation++) {
        const next = hash();
        const now = Date.now() + generation;
        const rotation = {
          id: session.id,
          fromGeneration: generation,
          fromHash: current,
          toHash: next,
          now,
          refreshExpiresAt: now + 1000,
          ip: null,
          userAgent: null,
        };
        expect(await store.rotate(rotation)).toBe(true);
        expect(await store.rotate(rotation)).toBe(false);
        const stored = await store.get(session.id);
        expect(stored).toMatchObject({ generation: generation + 1, currentHash: next, previousHash: current });
        current = next;
      }
    });

    it('lets exactly one of 20 concurrent rotations win', async () => {
      const session = buildSessionRecord(randomUUID());
      await store.create(session, { now: Date.now(), maxActive: 0 });
      const now = Date.now();
      const attempts = Array.from({ length: 20 }, () => hash());
      const results = await Promise.all(
        attempts.map((toHash) =>
          store.rotate({
            id: session.id,
            fromGeneration: 0,
            fromHash: session.currentHash,
            toHash,
            now,
            refreshExpiresAt: now + 1000,
            ip: null,
            userAgent: null,
          }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = attempts[results.indexOf(true)];
      const stored = await store.get(session.id);
      expect(stored?.generation).toBe(1);
      expect(stored?.currentHash).toBe(winner);
    });

    it('never rotates a revoked session', async () => {
      const session = buildSessionRecord(randomUUID(), { revokedAt: Date.now(), revokeReason: 'logout' });
      await store.create(session, { now: Date.now(), maxActive: 0 });
      const won = await store.rotate({
        id: session.id,
        fromGeneration: 0,
        fromHash: session.currentHash,
        toHash: hash(),
        now: Date.now(),
        refreshExpiresAt: Date.now() + 1000,
        ip: null,
        userAgent: null,
      });
      expect(won).toBe(false);
    });

    it('revokes a session once and reports who won', async () => {
      const session = buildSessionRecord(randomUUID());
      await store.create(session, { now: Date.now(), maxActive: 0 });
      const now = Date.now();
      const results = await Promise.all(
        Array.from({ length: 5 }, () => store.revoke(session.id, { now, reason: 'logout' })),
      );
      expect(results.filter((r) => r !== null)).toEqual([{ id: session.id, userId: session.userId, revokedAt: now }]);
      const stored = await store.get(session.id);
      expect(stored?.revokedAt).toBe(now);
      expect(stored?.revokeReason).toBe('logout');
    });

    it('does not revoke a session on behalf of another user', async () => {
      const session = buildSessionRecord(randomUUID());
      await store.create(session, { now: Date.now(), maxActive: 0 });
      expect(await store.revoke(session.id, { now: Date.now(), reason: 'kicked', userId: randomUUID() })).toBeNull();
      expect((await store.get(session.id))?.revokedAt).toBeNull();
      expect(
        await store.revoke(session.id, { now: Date.now(), reason: 'kicked', userId: session.userId }),
      ).not.toBeNull();
    });

    it('revokes all sessions of one user but the one spared', async () => {
      const userId = randomUUID();
      const now = Date.now();
      const keep = buildSessionRecord(userId);
      const a = buildSessionRecord(userId);
      const b = buildSessionRecord(userId);
      const alreadyRevoked = buildSessionRecord(userId, { revokedAt: now - 10, revokeReason: 'logout' });
      const other = buildSessionRecord(randomUUID());
      for (const s of [keep, a, b, alreadyRevoked, other]) await store.create(s, { now, maxActive: 0 });
      const revoked = await store.revokeAll(userId, { now, reason: 'logout-others', exceptId: keep.id });
      expect(revoked.map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
      expect((await store.get(keep.id))?.revokedAt).toBeNull();
      expect((await store.get(other.id))?.revokedAt).toBeNull();
      expect((await store.get(alreadyRevoked.id))?.revokedAt).toBe(now - 10);
      const all = await store.revokeAll(userId, { now: now + 1, reason: 'logout-all' });
      expect(all.map((r) => r.id)).toEqual([keep.id]);
    });

    it('keeps the credential version a session was started from, and leaves it alone otherwise', async () => {
      const userId = randomUUID();
      const now = Date.now();
      const session = buildSessionRecord(userId, { credentialVersion: 7 });
      await store.create(session, { now, maxActive: 0 });
      expect((await store.get(session.id))?.credentialVersion).toBe(7);
      await store.revokeAll(userId, { now, reason: 'logout-others', exceptId: session.id });
      expect((await store.get(session.id))?.credentialVersion).toBe(7);
    });

    it('moves the spared session to a new credential version in the same call that revokes the others', async () => {
      const userId = randomUUID();
      const now = Date.now();
      const keep = buildSessionRecord(userId, { credentialVersion: 3 });
      const other = buildSessionRecord(userId, { credentialVersion: 3 });
      const stranger = buildSessionRecord(randomUUID(), { credentialVersion: 3 });
      for (const s of [keep, other, stranger]) await store.create(s, { now, maxActive: 0 });
      const revoked = await store.revokeAll(userId, {
        now,
        reason: 'password-changed',
        exceptId: keep.id,
        exceptCredentialVersion: 4,
      });
      expect(revoked.map((r) => r.id)).toEqual([other.id]);
      expect(await store.get(keep.id)).toMatchObject({ revokedAt: null, credentialVersion: 4 });
      expect((await store.get(other.id))?.credentialVersion).toBe(3);
      // Only the user's own session moves: naming another user's session changes nothing of it.
      await store.revokeAll(userId, {
        now,
        reason: 'password-changed',
        exceptId: stranger.id,
        exceptCredentialVersion: 9,
      });
      expect(await store.get(stranger.id)).toMatchObject({ revokedAt: null, credentialVersion: 3 });
    });

    it('never moves a revoked session to a new credential version', async () => {
      const userId = randomUUID();
      const now = Date.now();
      const ended = buildSessionRecord(userId, { revokedAt: now - 5, revokeReason: 'admin', credentialVersion: 1 });
      await store.create(ended, { now, maxActive: 0 });
      await store.revokeAll(userId, {
        now,
        reason: 'password-changed',
        exceptId: ended.id,
        exceptCredentialVersion: 2,
      });
      expect(await store.get(ended.id)).toMatchObject({ revokedAt: now - 5, credentialVersion: 1 });
    });

    it('lists sessions revoked since a point in time', async () => {
      const userId = randomUUID();
      const now = Date.now();
      const early = buildSessionRecord(userId);
      const late = buildSessionRecord(userId);
      await store.create(early, { now, maxActive: 0 });
      await store.create(late, { now, maxActive: 0 });
      await store.revoke(early.id, { now: now - 60_000, reason: 'logout' });
      await store.revoke(late.id, { now, reason: 'logout' });
      const ids = (await store.listRevokedSince(now - 1000)).map((r) => r.id);
      expect(ids).toContain(late.id);
      expect(ids).not.toContain(early.id);
    });

    it('counts the active sessions of all users, leaving out the revoked and the expired', async () => {
      const now = Date.now();
      const before = await store.countActive(now);
      const [one, two] = [randomUUID(), randomUUID()];
      const created = [
        buildSessionRecord(one),
        buildSessionRecord(one),
        buildSessionRecord(two),
        buildSessionRecord(one, { expiresAt: now - 1_000 }),
        buildSessionRecord(two, { refreshExpiresAt: now - 1_000 }),
        buildSessionRecord(two, { revokedAt: now - 10, revokeReason: 'logout' }),
      ];
      for (const session of created) await store.create(session, { now, maxActive: 0 });
      expect(await store.countActive(now)).toBe(before + 3);
      await store.revoke(created[0]?.id as string, { now, reason: 'logout' });
      expect(await store.countActive(now)).toBe(before + 2);
      // Time passing ends sessions without any write: the count follows the clock it is given.
      expect(await store.countActive(Math.max(...created.map((s) => s.expiresAt)) + 1)).toBeLessThanOrEqual(before);
    });

    it('deletes sessions that ended before the cutoff and keeps the rest', async () => {
      const userId = randomUUID();
      const now = Date.now();
      const live = buildSessionRecord(userId);
      const expired = buildSessionRecord(userId, { expiresAt: now - 10_000 });
      const idle = buildSessionRecord(userId, { refreshExpiresAt: now - 10_000 });
      const revokedLongAgo = buildSessionRecord(userId, { revokedAt: now - 10_000, revokeReason: 'logout' });
      const revokedRecently = buildSessionRecord(userId, { revokedAt: now - 10, revokeReason: 'logout' });
      for (const s of [live, expired, idle, revokedLongAgo, revokedRecently])
        await store.create(s, { now, maxActive: 0 });
      const deleted = await store.deleteEnded(now - 1000);
      expect(deleted).toBeGreaterThanOrEqual(3);
      expect(await store.get(live.id)).not.toBeNull();
      expect(await store.get(revokedRecently.id)).not.toBeNull();
      expect(await store.get(expired.id)).toBeNull();
      expect(await store.get(idle.id)).toBeNull();
      expect(await store.get(revokedLongAgo.id)).toBeNull();
    });
  });
}
