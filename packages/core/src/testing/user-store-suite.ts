import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAuthError } from '../errors/auth-error.js';
import type { UserStore } from '../user/user-store.js';
import { buildUserRecord } from './records.js';
import type { StoreFixture } from './session-store-suite.js';

/**
 * The contract every {@link UserStore} must honour, run against a real backend.
 *
 * @example
 * runUserStoreSuite('sqlite', async () => ({ store: createSqlUserStore(db) }));
 */
export function runUserStoreSuite(name: string, factory: () => Promise<StoreFixture<UserStore>>): void {
  describe(`UserStore conformance: ${name}`, () => {
    let fixture: StoreFixture<UserStore>;
    let store: UserStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it('finds a created user by id and by username key', async () => {
      const user = buildUserRecord({ username: `Zoë-${randomUUID()}` });
      await store.create(user);
      expect(await store.findById(user.id)).toEqual(user);
      expect(await store.findByUsernameKey(user.usernameKey)).toEqual(user);
    });

    it('answers null for unknown users', async () => {
      expect(await store.findById(randomUUID())).toBeNull();
      expect(await store.findByUsernameKey(`nobody-${randomUUID()}`)).toBeNull();
    });

    it('refuses a second user with the same username key', async () => {
      const user = buildUserRecord();
      await store.create(user);
      const twin = buildUserRecord({ usernameKey: user.usernameKey, username: user.username.toUpperCase() });
      await expect(store.create(twin)).rejects.toSatisfy((e) => isAuthError(e, 'ERR_USERNAME_TAKEN'));
      expect(await store.findById(twin.id)).toBeNull();
    });

    it('keeps username keys apart that differ only in letter case or accents', async () => {
      const base = `casekey-${randomBytes(4).toString('hex')}`;
      const keys = [base, base.toUpperCase(), `${base}e`, `${base}é`, `${base}e\u0301`];
      const users = keys.map((key) => buildUserRecord({ username: key, usernameKey: key }));
      for (const user of users) await store.create(user);
      for (const user of users) expect(await store.findByUsernameKey(user.usernameKey)).toEqual(user);
      expect(await store.findByUsernameKey(`${base}E`)).toBeNull();
    });

    it('finds a user by the exact id only, letter case included', async () => {
      const user = buildUserRecord();
      await store.create(user);
      expect(await store.findById(user.id.toUpperCase())).toBeNull();
    });

    it('lets exactly one of concurrent registrations of one name succeed', async () => {
      const key = `race-${randomUUID()}`;
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => store.create(buildUserRecord({ username: key, usernameKey: key }))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(isAuthError(r.reason, 'ERR_USERNAME_TAKEN')).toBe(true);
      }
    });

    it('updates a user in place and answers null for an unknown id', async () => {
      const user = buildUserRecord();
      await store.create(user);
      const updated = await store.update(user.id, {
        disabled: true,
        role: 'admin',
        passwordHash: '$argon2id$new',
        updatedAt: user.updatedAt + 5,
      });
      expect(updated).toEqual({
        ...user,
        disabled: true,
        role: 'admin',
        passwordHash: '$argon2id$new',
        updatedAt: user.updatedAt + 5,
      });
      expect(await store.findById(user.id)).toEqual(updated);
      expect(await store.update(randomUUID(), { disabled: true, updatedAt: 1 })).toBeNull();
    });

    it('answers an update that changes nothing with the user, not null', async () => {
      const user = buildUserRecord();
      await store.create(user);
      expect(await store.update(user.id, { updatedAt: user.updatedAt, role: user.role })).toEqual(user);
    });
  });
}
