import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAuthError } from '../errors/auth-error.js';
import type { InvitationRecord, InvitationStore } from '../invitation/invitation-store.js';
import type { UserStore } from '../user/user-store.js';
import { buildUserRecord } from './records.js';
import type { StoreFixture } from './session-store-suite.js';

/** What the invitation suite needs: the store, and the users it inserts into. */
export interface InvitationStoreFixture extends StoreFixture<InvitationStore> {
  readonly users: UserStore;
}

/** A pending invitation made `at` (now by default), working for an hour; override any field. */
export function buildInvitation(overrides: Partial<InvitationRecord> = {}): InvitationRecord {
  const now = overrides.createdAt ?? Date.now();
  const email = `invited-${randomBytes(5).toString('hex')}@example.com`;
  return {
    id: randomUUID(),
    email,
    emailKey: email,
    role: 'user',
    linkHash: randomBytes(32).toString('base64url'),
    createdBy: randomUUID(),
    createdAt: now,
    expiresAt: now + 3_600_000,
    usedAt: null,
    userId: null,
    revokedAt: null,
    ...overrides,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return isAuthError(error) ? error.code : `not an AuthError: ${String(error)}`;
  }
}

/**
 * The contract every {@link InvitationStore} must honour, run against a real backend.
 *
 * @example
 * runInvitationStoreSuite('sqlite', async () => ({ store: createSqlInvitationStore(db), users: createSqlUserStore(db) }));
 */
export function runInvitationStoreSuite(name: string, factory: () => Promise<InvitationStoreFixture>): void {
  describe(`InvitationStore conformance: ${name}`, () => {
    let fixture: InvitationStoreFixture;
    let store: InvitationStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    /** A user for `invitation`, as registration makes one. */
    const userFor = (invitation: InvitationRecord, at: number) =>
      buildUserRecord({
        email: invitation.email,
        emailKey: invitation.emailKey,
        emailVerifiedAt: at,
        role: invitation.role,
        createdAt: at,
        updatedAt: at,
      });

    it('finds a pending invitation by its hash until it expires', async () => {
      const invitation = buildInvitation();
      await store.create(invitation, null);
      expect(await store.findLive(invitation.linkHash, invitation.createdAt)).toEqual(invitation);
      expect(await store.findLive(invitation.linkHash, invitation.expiresAt - 1)).toEqual(invitation);
      expect(await store.findLive(invitation.linkHash, invitation.expiresAt)).toBeNull();
      expect(await store.findLive(randomBytes(32).toString('base64url'), invitation.createdAt)).toBeNull();
    });

    it('keeps an invitation made without an administrator (at the command line), createdBy null', async () => {
      const invitation = buildInvitation({ createdBy: null });
      await store.create(invitation, null);
      expect(await store.findLive(invitation.linkHash, invitation.createdAt)).toEqual(invitation);
    });

    it('stores an invitation with makerRole only while its maker is an enabled holder of that role', async () => {
      const role = `maker-${randomBytes(4).toString('hex')}`;
      const enabled = buildUserRecord({ role });
      const disabled = buildUserRecord({ role, disabled: true });
      const other = buildUserRecord({ role: 'user' });
      for (const user of [enabled, disabled, other]) await fixture.users.create(user);
      const made = buildInvitation({ createdBy: enabled.id });
      await store.create(made, null, { makerRole: role });
      expect(await store.findLive(made.linkHash, made.createdAt)).toEqual(made);
      for (const createdBy of [disabled.id, other.id, randomUUID(), null]) {
        const refused = buildInvitation({ createdBy });
        expect(await codeOf(store.create(refused, null, { makerRole: role })), String(createdBy)).toBe('ERR_FORBIDDEN');
        expect(await store.findLive(refused.linkHash, refused.createdAt)).toBeNull();
      }
    });

    it('uses an invitation once, inserting the account with it', async () => {
      const invitation = buildInvitation();
      await store.create(invitation, null);
      const at = invitation.createdAt + 1000;
      const user = userFor(invitation, at);
      const used = await store.accept(invitation.linkHash, user, at);
      expect(used).toMatchObject({ id: invitation.id, usedAt: at, userId: user.id, revokedAt: null });
      expect(await fixture.users.findById(user.id)).toMatchObject({ email: invitation.email, role: 'user' });
      expect(await store.findLive(invitation.linkHash, at)).toBeNull();
      const again = buildUserRecord({ createdAt: at, updatedAt: at });
      expect(await codeOf(store.accept(invitation.linkHash, again, at))).toBe('ERR_INVITATION_INVALID');
      expect(await fixture.users.findById(again.id)).toBeNull();
    });

    it('leaves the invitation unused when the account cannot be inserted', async () => {
      const taken = buildUserRecord();
      await fixture.users.create(taken);
      const invitation = buildInvitation();
      await store.create(invitation, null);
      const at = invitation.createdAt + 1000;
      const clash = { ...userFor(invitation, at), username: taken.username, usernameKey: taken.usernameKey };
      expect(await codeOf(store.accept(invitation.linkHash, clash, at))).toBe('ERR_USERNAME_TAKEN');
      expect(await fixture.users.findById(clash.id)).toBeNull();
      expect(await store.findLive(invitation.linkHash, at)).toMatchObject({ usedAt: null, userId: null });
      expect((await store.accept(invitation.linkHash, userFor(invitation, at), at)).usedAt).toBe(at);
    });

    it('refuses an expired or revoked invitation, inserting nobody', async () => {
      const expired = buildInvitation();
      await store.create(expired, null);
      const late = userFor(expired, expired.expiresAt);
      expect(await codeOf(store.accept(expired.linkHash, late, expired.expiresAt))).toBe('ERR_INVITATION_INVALID');
      expect(await fixture.users.findById(late.id)).toBeNull();
      const revoked = buildInvitation();
      await store.create(revoked, null);
      expect(await store.revoke(revoked.id, revoked.createdAt + 1)).toMatchObject({ revokedAt: revoked.createdAt + 1 });
      const after = userFor(revoked, revoked.createdAt + 2);
      expect(await codeOf(store.accept(revoked.linkHash, after, revoked.createdAt + 2))).toBe('ERR_INVITATION_INVALID');
      expect(await fixture.users.findById(after.id)).toBeNull();
    });

    it('lets exactly one of concurrent uses of an invitation insert its account', async () => {
      const invitation = buildInvitation();
      await store.create(invitation, null);
      const at = invitation.createdAt + 1000;
      // Distinct addresses: only the invitation can stop all but one.
      const users = Array.from({ length: 8 }, () => {
        const email = `racer-${randomBytes(5).toString('hex')}@example.com`;
        return { ...userFor(invitation, at), email, emailKey: email };
      });
      const codes = await Promise.all(users.map((user) => codeOf(store.accept(invitation.linkHash, user, at))));
      expect(codes.filter((code) => code === 'resolved')).toHaveLength(1);
      expect(codes.filter((code) => code === 'ERR_INVITATION_INVALID')).toHaveLength(7);
      const inserted = await Promise.all(users.map((user) => fixture.users.findById(user.id)));
      expect(inserted.filter((user) => user !== null)).toHaveLength(1);
    });

    it('revokes only a pending invitation', async () => {
      const invitation = buildInvitation();
      await store.create(invitation, null);
      const at = invitation.createdAt + 1;
      expect(await store.revoke(randomUUID(), at)).toBeNull();
      expect(await store.revoke(invitation.id, at)).toMatchObject({ id: invitation.id, revokedAt: at });
      expect(await store.revoke(invitation.id, at + 1)).toBeNull();
      const expired = buildInvitation();
      await store.create(expired, null);
      expect(await store.revoke(expired.id, expired.expiresAt)).toBeNull();
      const used = buildInvitation();
      await store.create(used, null);
      await store.accept(used.linkHash, userFor(used, at), at);
      expect(await store.revoke(used.id, at)).toBeNull();
    });

    it('lists newest first, page by page, by status at a given time', async () => {
      // A time of its own, after every other test's invitations, so this page starts with these.
      const base = Date.now() + 365 * 86_400_000;
      const made = [0, 1, 2, 3].map((i) => buildInvitation({ createdAt: base + i * 1000, expiresAt: base + 10_000 }));
      for (const invitation of made) await store.create(invitation, null);
      const now = base + 5000;
      await store.revoke((made[1] as InvitationRecord).id, now);
      const first = await store.list({ now, limit: 2 });
      expect(first.invitations.map((i) => i.id)).toEqual([made[3]?.id, made[2]?.id]);
      expect(first.more).toBe(true);
      const last = first.invitations.at(-1) as InvitationRecord;
      const second = await store.list({ now, limit: 2, before: { at: last.createdAt, id: last.id } });
      expect(second.invitations.map((i) => i.id)).toEqual([made[1]?.id, made[0]?.id]);
      const revoked = await store.list({ now, limit: 100, status: 'revoked' });
      expect(revoked.invitations.map((i) => i.id)).toContain(made[1]?.id);
      expect(revoked.invitations.map((i) => i.id)).not.toContain(made[0]?.id);
      // Other tests' invitations have expired by then too, all older than these.
      const expiredLater = await store.list({ now: base + 10_000, limit: 3, status: 'expired' });
      expect(expiredLater.invitations.map((i) => i.id)).toEqual([made[3]?.id, made[2]?.id, made[0]?.id]);
      const pending = await store.list({ now, limit: 4, status: 'pending' });
      expect(pending.invitations.map((i) => i.id)).toEqual([made[3]?.id, made[2]?.id, made[0]?.id]);
      await expect(store.list({ now, limit: 0 })).rejects.toThrow(RangeError);
      await expect(store.list({ now, limit: 101 })).rejects.toThrow(RangeError);
    });
  });
}
