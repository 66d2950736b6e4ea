import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAuthError } from '../errors/auth-error.js';
import type { MfaStore } from '../mfa/mfa-store.js';
import type { PasskeyStore } from '../mfa/passkey-store.js';
import type { UserRecord } from '../user/user-record.js';
import type { UserListQuery, UserStore } from '../user/user-store.js';
import { buildPasskey } from './passkey-store-suite.js';
import { buildUserRecord } from './records.js';
import type { StoreFixture } from './session-store-suite.js';

/** Code point order, which is the order of UTF-8 bytes (not of UTF-16 units, as `sort()` has it). */
function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Every username key the store lists for `query`, following its pages to the end. */
async function listAll(store: UserStore, query: Omit<UserListQuery, 'afterKey'>): Promise<string[]> {
  const keys: string[] = [];
  let afterKey: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.list({ ...query, ...(afterKey === undefined ? {} : { afterKey }) });
    keys.push(...page.users.map((user) => user.usernameKey));
    if (!page.more) return keys;
    afterKey = page.users.at(-1)?.usernameKey;
  }
  throw new Error('the listing did not end');
}

/** Creates users with these username keys, all under one fresh prefix; returns the prefix. */
async function createKeys(store: UserStore, suffixes: readonly string[]): Promise<string> {
  const prefix = `list-${randomBytes(4).toString('hex')}-`;
  for (const suffix of suffixes) {
    await store.create(buildUserRecord({ username: `${prefix}${suffix}`, usernameKey: `${prefix}${suffix}` }));
  }
  return prefix;
}

/** A user store, and the second-factor stores of the same backend that its `secondFactor` criterion reads. */
export interface UserStoreFixture extends StoreFixture<UserStore> {
  readonly factors: { readonly mfa: MfaStore; readonly passkeys: PasskeyStore };
}

/** Users that the filter test creates before the ones it looks for: more than any scan of a page would read. */
const CROWD = 1500;

/**
 * The contract every {@link UserStore} must honour, run against a real backend.
 *
 * @example
 * runUserStoreSuite('sqlite', async () => ({ store: createSqlUserStore(db), factors: { mfa, passkeys } }));
 */
export function runUserStoreSuite(name: string, factory: () => Promise<UserStoreFixture>): void {
  describe(`UserStore conformance: ${name}`, () => {
    let fixture: UserStoreFixture;
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

    it('raises the credential version by one with each credential change, and only then', async () => {
      const user = buildUserRecord();
      await store.create(user);
      expect((await store.findById(user.id))?.credentialVersion).toBe(0);
      const changed = await store.update(user.id, { role: 'auditor', bumpCredentialVersion: true, updatedAt: 1 });
      expect(changed).toMatchObject({ role: 'auditor', credentialVersion: 1 });
      const rehashed = await store.update(user.id, { passwordHash: `${user.passwordHash}x`, updatedAt: 2 });
      expect(rehashed?.credentialVersion).toBe(1);
      expect(await store.update(user.id, { bumpCredentialVersion: true, updatedAt: 3 })).toMatchObject({
        role: 'auditor',
        credentialVersion: 2,
      });
    });

    it('counts every one of concurrent credential changes', async () => {
      const user = buildUserRecord();
      await store.create(user);
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.update(user.id, { bumpCredentialVersion: true, updatedAt: i })),
      );
      expect((await store.findById(user.id))?.credentialVersion).toBe(10);
    });

    it('applies a change made at a credential version only while the user is still at it', async () => {
      const user = buildUserRecord({ credentialVersion: 4 });
      await store.create(user);
      const stale = await store.update(user.id, { passwordHash: 'stale', updatedAt: 1 }, { ifCredentialVersion: 3 });
      expect(stale).toBeNull();
      expect((await store.findById(user.id))?.passwordHash).toBe(user.passwordHash);
      const current = await store.update(
        user.id,
        { passwordHash: 'current', updatedAt: 2 },
        { ifCredentialVersion: 4 },
      );
      expect(current).toMatchObject({ passwordHash: 'current', credentialVersion: 4 });
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

    it('keeps both metadata objects, replaces each whole, and reads an emptied one back as absent', async () => {
      const user = buildUserRecord({ appMetadata: { plan: 'pro', seats: 3 }, userMetadata: { theme: 'dark' } });
      await store.create(user);
      expect(await store.findById(user.id)).toEqual(user);
      const updated = await store.update(user.id, { userMetadata: { lang: 'fr' }, updatedAt: user.updatedAt + 1 });
      expect(updated).toEqual({ ...user, userMetadata: { lang: 'fr' }, updatedAt: user.updatedAt + 1 });
      const emptied = await store.update(user.id, { appMetadata: {}, updatedAt: user.updatedAt + 2 });
      expect(emptied?.appMetadata).toBeUndefined();
      expect(emptied?.userMetadata).toEqual({ lang: 'fr' });
    });

    it('deletes a user, keeps the name taken until the quarantine ends, and frees it at once without one', async () => {
      const user = buildUserRecord();
      await store.create(user);
      const now = user.createdAt;
      expect(await store.delete(user.id, { now, quarantineUntil: now + 1000 })).toEqual(user);
      expect(await store.findById(user.id)).toBeNull();
      expect(await store.delete(user.id, { now, quarantineUntil: now })).toBeNull();
      const twin = (at: number) =>
        buildUserRecord({ username: user.username, usernameKey: user.usernameKey, createdAt: at, updatedAt: at });
      await expect(store.create(twin(now + 999))).rejects.toSatisfy((e) => isAuthError(e, 'ERR_USERNAME_TAKEN'));
      const successor = twin(now + 1000);
      await store.create(successor);
      expect(await store.delete(successor.id, { now: now + 1000, quarantineUntil: now + 1000 })).toEqual(successor);
      await store.create(twin(now + 1000));
    });

    it('refuses to delete the last enabled holder of a role, atomically', async () => {
      const role = `r${randomBytes(4).toString('hex')}`;
      const [a, b] = [buildUserRecord({ role }), buildUserRecord({ role })] as const;
      await store.create(a);
      await store.create(b);
      const now = Date.now();
      const results = await Promise.allSettled(
        [a, b].map((u) => store.delete(u.id, { now, quarantineUntil: now, keepEnabledRole: role })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected');
      expect(refused !== undefined && isAuthError(refused.reason, 'ERR_LAST_ADMIN')).toBe(true);
    });

    it('lists the users under a prefix in code point order, page by page, each user once', async () => {
      const suffixes = ['b', 'a', 'c', 'aa', 'B', 'é', 'z', 'Z', '0', 'ab', 'ä', '中'];
      const prefix = await createKeys(store, suffixes);
      const expected = suffixes.map((suffix) => `${prefix}${suffix}`).sort(byCodePoint);
      for (const limit of [1, 2, 5, suffixes.length, 100]) {
        expect(await listAll(store, { prefix, limit }), `limit ${limit}`).toEqual(expected);
      }
      const first = await store.list({ prefix, limit: 3 });
      expect(first.more).toBe(true);
      expect(first.users.map((user) => user.usernameKey)).toEqual(expected.slice(0, 3));
      const rest = await store.list({ prefix, limit: 100, afterKey: expected[2] });
      expect(rest).toMatchObject({ more: false });
      expect(rest.users.map((user) => user.usernameKey)).toEqual(expected.slice(3));
      expect(await store.list({ prefix, limit: suffixes.length })).toMatchObject({ more: false });
    });

    it('lists whole user records, the same as a look-up by id finds them', async () => {
      const prefix = await createKeys(store, ['x']);
      const [listed] = (await store.list({ prefix, limit: 10 })).users;
      expect(listed).toEqual(await store.findById((listed as UserRecord).id));
    });

    it('takes %, _ and ! in a prefix as plain characters', async () => {
      const prefix = await createKeys(store, ['a_b', 'axb', 'a%b', 'aXYb', 'a!b', 'a!', 'a!%']);
      const under = (p: string) => listAll(store, { prefix: `${prefix}${p}`, limit: 100 });
      expect(await under('a_')).toEqual([`${prefix}a_b`]);
      expect(await under('a%')).toEqual([`${prefix}a%b`]);
      expect(await under('a!')).toEqual([`${prefix}a!`, `${prefix}a!%`, `${prefix}a!b`]);
      expect(await under('a!%')).toEqual([`${prefix}a!%`]);
      expect(await under('%')).toEqual([]);
      expect(await under('a')).toHaveLength(7);
    });

    it('matches a prefix exactly, letter case and accents included', async () => {
      const prefix = await createKeys(store, ['Ab', 'ab', 'áb', 'ab́']);
      expect(await listAll(store, { prefix: `${prefix}a`, limit: 10 })).toEqual([`${prefix}ab`, `${prefix}ab́`]);
      expect(await listAll(store, { prefix: `${prefix}A`, limit: 10 })).toEqual([`${prefix}Ab`]);
      expect(await listAll(store, { prefix: `${prefix}á`, limit: 10 })).toEqual([`${prefix}áb`]);
      expect(await listAll(store, { prefix: `${prefix}AB`, limit: 10 })).toEqual([]);
    });

    it('lists everyone without a prefix, continuing after any key', async () => {
      const prefix = await createKeys(store, ['m']);
      const page = await store.list({ limit: 2, afterKey: prefix });
      expect(page.users[0]?.usernameKey).toBe(`${prefix}m`);
      expect(page.users.map((user) => user.usernameKey)).toEqual(
        page.users.map((user) => user.usernameKey).sort(byCodePoint),
      );
    });

    it(`selects on role, state, verified address, second factor and address prefix in the query: full pages of matches that come after ${CROWD} others`, async () => {
      const prefix = `filter-${randomBytes(4).toString('hex')}-`;
      const role = `role-${randomBytes(4).toString('hex')}`;
      const now = Date.now();
      // The crowd sorts first and matches none of the criteria looked for below.
      const crowd = Array.from({ length: CROWD }, (_, index) => `${prefix}a${String(index).padStart(4, '0')}`);
      for (let start = 0; start < crowd.length; start += 50) {
        await Promise.all(
          crowd
            .slice(start, start + 50)
            .map((key) => store.create(buildUserRecord({ username: key, usernameKey: key }))),
        );
      }
      const make = async (suffix: string, overrides: Partial<UserRecord> = {}): Promise<UserRecord> => {
        const user = buildUserRecord({
          username: `${prefix}${suffix}`,
          usernameKey: `${prefix}${suffix}`,
          ...overrides,
        });
        await store.create(user);
        return user;
      };
      const mailed = (local: string, verified: boolean) => ({
        email: `${local}@Example.org`,
        emailKey: `${prefix}${local}@example.org`,
        emailVerifiedAt: verified ? now : null,
      });
      const roleHolders = [await make('z-role-1', { role }), await make('z-role-2', { role })];
      const roleDisabled = await make('z-role-3', { role, disabled: true });
      const disabled = await make('z-off', { disabled: true });
      const verified = [await make('z-v1', mailed('v1', true)), await make('z-v2', mailed('v2', true))];
      const unverified = await make('z-v3', mailed('v%3', false));
      const withApp = await make('z-totp');
      const withPasskey = await make('z-passkey');
      const pending = await make('z-pending');
      const { mfa, passkeys } = fixture.factors;
      await mfa.startTotp({ userId: withApp.id, secret: 'sealed-secret', createdAt: now });
      expect(await mfa.confirmTotp(withApp.id, { secret: 'sealed-secret', step: 1, recoveryCodeHashes: [], now })).toBe(
        true,
      );
      await passkeys.add(buildPasskey({ userId: withPasskey.id }));
      // Started, never confirmed: not a second factor.
      await mfa.startTotp({ userId: pending.id, secret: 'sealed-secret', createdAt: now });

      const keysOf = (users: readonly UserRecord[]) => users.map((user) => user.usernameKey).sort(byCodePoint);
      const matches = (query: Omit<UserListQuery, 'afterKey' | 'limit' | 'prefix'>, limit = 1) =>
        listAll(store, { ...query, prefix, limit });

      // The first page is already full, though 1,500 users come before the first match.
      const first = await store.list({ prefix, role, limit: 2 });
      expect(first).toMatchObject({ more: true });
      expect(keysOf(first.users)).toEqual(keysOf(roleHolders));
      expect(await matches({ role })).toEqual(keysOf([...roleHolders, roleDisabled]));
      expect(await matches({ role, disabled: false })).toEqual(keysOf(roleHolders));
      expect(await matches({ disabled: true })).toEqual(keysOf([roleDisabled, disabled]));
      expect(await matches({ emailVerified: true })).toEqual(keysOf(verified));
      expect(await matches({ secondFactor: true })).toEqual(keysOf([withApp, withPasskey]));
      expect(await matches({ secondFactor: true, role })).toEqual([]);
      expect(await matches({ emailPrefix: `${prefix}v` }, 2)).toEqual(keysOf([...verified, unverified]));
      expect(await matches({ emailPrefix: `${prefix}v%` })).toEqual(keysOf([unverified]));
      expect(await matches({ emailPrefix: `${prefix}V` })).toEqual([]);
      expect(await matches({ emailPrefix: `${prefix}v`, emailVerified: false })).toEqual(keysOf([unverified]));
      // The opposite of each criterion keeps the crowd, in full pages.
      const everyone = CROWD + 10;
      expect(await matches({ emailVerified: false }, 100)).toHaveLength(everyone - 2);
      expect(await matches({ secondFactor: false }, 100)).toHaveLength(everyone - 2);
      expect(await matches({ disabled: false, role: 'user' }, 100)).toHaveLength(everyone - 4);
      const page = await store.list({ prefix, secondFactor: false, limit: 100, afterKey: `${prefix}a0700` });
      expect(page.users).toHaveLength(100);
      expect(page.users[0]?.usernameKey).toBe(`${prefix}a0701`);
    }, 120_000);

    it('refuses a limit outside 1 to 100', async () => {
      for (const limit of [0, -1, 101, 1.5, Number.NaN]) {
        await expect(store.list({ limit }), String(limit)).rejects.toThrow(RangeError);
      }
      expect((await store.list({ limit: 100 })).users.length).toBeLessThanOrEqual(100);
    });

    it('refuses to disable or take the role from its last enabled holder, and changes nothing', async () => {
      const role = `keep-${randomBytes(4).toString('hex')}`;
      const only = buildUserRecord({ role });
      await store.create(only);
      const keep = { keepEnabledRole: role };
      for (const changes of [{ disabled: true }, { role: 'user' }, { disabled: true, role: 'user' }]) {
        await expect(store.update(only.id, { ...changes, updatedAt: only.updatedAt + 1 }, keep)).rejects.toSatisfy(
          (e) => isAuthError(e, 'ERR_LAST_ADMIN'),
        );
      }
      expect(await store.findById(only.id)).toEqual(only);
      // Changes that keep them an enabled holder go through.
      expect(await store.update(only.id, { role, disabled: false, updatedAt: only.updatedAt + 2 }, keep)).toMatchObject(
        {
          role,
          disabled: false,
        },
      );

      const disabledHolder = buildUserRecord({ role, disabled: true });
      await store.create(disabledHolder);
      await expect(store.update(only.id, { disabled: true, updatedAt: 1 }, keep)).rejects.toSatisfy((e) =>
        isAuthError(e, 'ERR_LAST_ADMIN'),
      );

      const second = buildUserRecord({ role });
      await store.create(second);
      expect(await store.update(only.id, { disabled: true, updatedAt: 3 }, keep)).toMatchObject({ disabled: true });
      await expect(store.update(second.id, { role: 'user', updatedAt: 3 }, keep)).rejects.toSatisfy((e) =>
        isAuthError(e, 'ERR_LAST_ADMIN'),
      );
      // Without the option the store does as it is told.
      expect(await store.update(second.id, { disabled: true, updatedAt: 4 })).toMatchObject({ disabled: true });
    });

    it('lets only one of two concurrent updates disable the last two enabled holders of a role', async () => {
      for (let round = 0; round < 5; round++) {
        const role = `race-${randomBytes(4).toString('hex')}`;
        const pair = [buildUserRecord({ role }), buildUserRecord({ role })];
        for (const user of pair) await store.create(user);
        const results = await Promise.allSettled(
          pair.map((user) => store.update(user.id, { disabled: true, updatedAt: 5 }, { keepEnabledRole: role })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refused = results.find((r) => r.status === 'rejected');
        expect(isAuthError(refused?.reason, 'ERR_LAST_ADMIN'), String(refused?.reason)).toBe(true);
        const after = await Promise.all(pair.map((user) => store.findById(user.id)));
        expect(after.filter((user) => user?.disabled === false)).toHaveLength(1);
      }
    });

    it("makes a change or a deletion on an acting user's authority only while they are an enabled holder of the role", async () => {
      const role = `acting-${randomBytes(4).toString('hex')}`;
      const actor = buildUserRecord({ role });
      const target = buildUserRecord();
      for (const user of [actor, target]) await store.create(user);
      const by = { byEnabledHolder: { id: actor.id, role } };
      expect(await store.update(target.id, { role: 'editor', updatedAt: 2 }, by)).toMatchObject({ role: 'editor' });
      const refused = (e: unknown) => isAuthError(e, 'ERR_FORBIDDEN');
      // Disabled, then demoted: either way the acting user's authority is gone.
      for (const change of [{ disabled: true }, { role: 'user' }]) {
        await store.update(actor.id, { ...change, updatedAt: 3 });
        const before = await store.findById(target.id);
        await expect(store.update(target.id, { role: 'user', updatedAt: 4 }, by)).rejects.toSatisfy(refused);
        await expect(store.delete(target.id, { now: 4, quarantineUntil: 4, ...by })).rejects.toSatisfy(refused);
        expect(await store.findById(target.id)).toEqual(before);
        await store.update(actor.id, { disabled: false, role, updatedAt: 5 });
      }
      const missing = { byEnabledHolder: { id: randomUUID(), role } };
      await expect(store.update(target.id, { role: 'user', updatedAt: 6 }, missing)).rejects.toSatisfy(refused);
      expect((await store.delete(target.id, { now: 6, quarantineUntil: 6, ...by }))?.id).toBe(target.id);
    });

    it('lets only one of two holders demoting each other at once act, and keeps the other', async () => {
      for (let round = 0; round < 5; round++) {
        const role = `mutual-${randomBytes(4).toString('hex')}`;
        const pair = [buildUserRecord({ role }), buildUserRecord({ role })] as const;
        for (const user of pair) await store.create(user);
        const results = await Promise.allSettled(
          pair.map((user, i) =>
            store.update(
              pair[1 - i]?.id as string,
              { role: 'user', updatedAt: 7 },
              { keepEnabledRole: role, byEnabledHolder: { id: user.id, role } },
            ),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refused = results.find((r) => r.status === 'rejected');
        expect(isAuthError(refused?.reason, 'ERR_FORBIDDEN'), String(refused?.reason)).toBe(true);
        const after = await Promise.all(pair.map((user) => store.findById(user.id)));
        expect(after.filter((user) => user?.role === role)).toHaveLength(1);
      }
    });

    it('answers an update that changes nothing with the user, not null', async () => {
      const user = buildUserRecord();
      await store.create(user);
      expect(await store.update(user.id, { updatedAt: user.updatedAt, role: user.role })).toEqual(user);
    });

    it('finds a user by the exact email key, and keeps users without an address apart', async () => {
      const tag = randomBytes(4).toString('hex');
      const user = buildUserRecord({ email: `Zoë.${tag}@Example.com`, emailKey: `zoë.${tag}@example.com` });
      const first = buildUserRecord();
      const second = buildUserRecord();
      for (const u of [user, first, second]) await store.create(u);
      expect(await store.findByEmailKey(`zoë.${tag}@example.com`)).toEqual(user);
      expect(await store.findByEmailKey(`ZOË.${tag}@example.com`)).toBeNull();
      expect(await store.findByEmailKey(`zoe.${tag}@example.com`)).toBeNull();
      expect(await store.findById(first.id)).toEqual(first);
      expect((await store.findById(second.id))?.email).toBeNull();
    });

    it('refuses a second user with the same email key, whatever the name, and stores nothing', async () => {
      const key = `taken-${randomUUID()}@example.com`;
      await store.create(buildUserRecord({ email: key, emailKey: key }));
      const twin = buildUserRecord({ email: key.toUpperCase(), emailKey: key });
      await expect(store.create(twin)).rejects.toSatisfy((e) => isAuthError(e, 'ERR_EMAIL_TAKEN'));
      expect(await store.findById(twin.id)).toBeNull();
    });

    it('lets exactly one of concurrent registrations of one address succeed', async () => {
      const key = `race-${randomUUID()}@example.com`;
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => store.create(buildUserRecord({ email: key, emailKey: key }))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(isAuthError(r.reason, 'ERR_EMAIL_TAKEN')).toBe(true);
      }
    });

    it('changes an address (unverified again), marks it verified, and refuses one another user has', async () => {
      const tag = randomUUID();
      const user = buildUserRecord({
        email: `a-${tag}@example.com`,
        emailKey: `a-${tag}@example.com`,
        emailVerifiedAt: 5,
      });
      const other = buildUserRecord({ email: `b-${tag}@example.com`, emailKey: `b-${tag}@example.com` });
      await store.create(user);
      await store.create(other);
      const moved = await store.update(user.id, {
        email: { email: `C-${tag}@example.com`, emailKey: `c-${tag}@example.com` },
        updatedAt: user.updatedAt + 1,
      });
      expect(moved).toEqual({
        ...user,
        email: `C-${tag}@example.com`,
        emailKey: `c-${tag}@example.com`,
        emailVerifiedAt: null,
        updatedAt: user.updatedAt + 1,
      });
      expect(await store.findByEmailKey(`a-${tag}@example.com`)).toBeNull();
      const verified = await store.update(user.id, { emailVerifiedAt: 77, updatedAt: user.updatedAt + 2 });
      expect(verified?.emailVerifiedAt).toBe(77);
      await expect(
        store.update(user.id, {
          email: { email: `b-${tag}@example.com`, emailKey: `b-${tag}@example.com` },
          updatedAt: user.updatedAt + 3,
        }),
      ).rejects.toSatisfy((e) => isAuthError(e, 'ERR_EMAIL_TAKEN'));
      expect(await store.findById(user.id)).toEqual(verified);
    });

    it('applies a change conditional on the password hash only while that hash is stored', async () => {
      const user = buildUserRecord();
      await store.create(user);
      const changed = await store.update(
        user.id,
        { passwordHash: '$argon2id$first', updatedAt: user.updatedAt + 1 },
        { ifPasswordHash: user.passwordHash },
      );
      expect(changed?.passwordHash).toBe('$argon2id$first');
      const stale = await store.update(
        user.id,
        { passwordHash: '$argon2id$second', updatedAt: user.updatedAt + 2 },
        { ifPasswordHash: user.passwordHash },
      );
      expect(stale).toBeNull();
      expect((await store.findById(user.id))?.passwordHash).toBe('$argon2id$first');
    });

    it('lets exactly one of concurrent conditional password changes win', async () => {
      const user = buildUserRecord();
      await store.create(user);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.update(
            user.id,
            { passwordHash: `$argon2id$race${i}`, updatedAt: user.updatedAt + 1 },
            { ifPasswordHash: user.passwordHash },
          ),
        ),
      );
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      expect((await store.findById(user.id))?.passwordHash).toBe(winners[0]?.passwordHash);
    });
  });
}
