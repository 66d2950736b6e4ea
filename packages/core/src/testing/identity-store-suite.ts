import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAuthError } from '../errors/auth-error.js';
import type { FederatedIdentity, IdentityStore } from '../identity/identity-store.js';
import { NO_PASSWORD_HASH } from '../user/no-password.js';
import type { UserRecord } from '../user/user-record.js';
import type { UserStore } from '../user/user-store.js';
import { buildUserRecord } from './records.js';
import type { StoreFixture } from './session-store-suite.js';

/** An identity store and the user store of the same database. */
export interface IdentityStoreFixture extends StoreFixture<IdentityStore> {
  readonly users: UserStore;
}

/** A valid identity of `userId` at a fresh subject of `provider`; override any field. */
export function buildIdentity(userId: string, overrides: Partial<FederatedIdentity> = {}): FederatedIdentity {
  const now = Date.now();
  return {
    provider: 'example',
    subject: `sub-${randomBytes(8).toString('hex')}`,
    userId,
    email: null,
    emailVerified: false,
    displayName: null,
    createdAt: now,
    lastSignInAt: now,
    sealedTokens: null,
    ...overrides,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'none';
  } catch (error) {
    return isAuthError(error) ? error.code : `not an AuthError: ${String(error)}`;
  }
}

/**
 * The contract every {@link IdentityStore} must honour, run against a real
 * backend. Each test uses fresh users and subjects, so a shared database is fine.
 *
 * @example
 * runIdentityStoreSuite('sqlite', async () => ({ store: createSqlIdentityStore(db), users: createSqlUserStore(db) }));
 */
export function runIdentityStoreSuite(name: string, factory: () => Promise<IdentityStoreFixture>): void {
  describe(`IdentityStore conformance: ${name}`, () => {
    let fixture: IdentityStoreFixture;
    let store: IdentityStore;
    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    /** A user made by a first sign-in, without a password unless one is given. */
    async function federatedUser(passwordHash: string = NO_PASSWORD_HASH) {
      const user: UserRecord = buildUserRecord({ passwordHash });
      const identity = buildIdentity(user.id, { createdAt: 1000, lastSignInAt: 1000 });
      await store.createUserWithIdentity(user, identity);
      return { user, identity };
    }

    it('finds nothing for an identity nobody has', async () => {
      expect(await store.find('example', 'nobody')).toBeNull();
      expect(await store.listByUser(buildUserRecord().id)).toEqual([]);
      expect(
        await store.recordSignIn('example', 'nobody', {
          email: null,
          emailVerified: false,
          displayName: null,
          at: 1,
          sealedTokens: null,
        }),
      ).toBe(false);
    });

    it('makes a user and its first identity together', async () => {
      const { user, identity } = await federatedUser();
      expect(await store.find(identity.provider, identity.subject)).toEqual(identity);
      expect(await store.listByUser(user.id)).toEqual([identity]);
      expect(await fixture.users.findById(user.id)).toEqual(user);
    });

    it('keys identities by provider and exact subject, never by case-folded text', async () => {
      const { user, identity } = await federatedUser();
      const upper = buildIdentity(user.id, { provider: 'other', subject: identity.subject.toUpperCase() });
      await store.link(upper);
      expect(await store.find('example', identity.subject.toUpperCase())).toBeNull();
      expect(await store.find('other', identity.subject)).toBeNull();
      expect(await store.find('other', identity.subject.toUpperCase())).toEqual(upper);
    });

    it('links more identities to a user, listed oldest first, with everything the provider said', async () => {
      const { user, identity } = await federatedUser();
      const second = buildIdentity(user.id, {
        provider: 'second',
        email: 'Zoë@Example.com',
        emailVerified: true,
        displayName: 'Zoë',
        createdAt: 2000,
        lastSignInAt: 2000,
        sealedTokens: 'v1.key.sealed',
      });
      await store.link(second);
      expect(await store.listByUser(user.id)).toEqual([identity, second]);
    });

    it('refuses an identity linked already, to another user or to the same one, and writes nothing', async () => {
      const { identity } = await federatedUser();
      const { user: other } = await federatedUser();
      expect(await codeOf(store.link({ ...identity, userId: other.id }))).toBe('ERR_IDENTITY_TAKEN');
      // One identity per provider per user: a second one of the same provider would be ambiguous to unlink.
      expect(await codeOf(store.link(buildIdentity(other.id)))).toBe('ERR_IDENTITY_TAKEN');
      expect(await store.listByUser(other.id)).toHaveLength(1);
      expect((await store.find(identity.provider, identity.subject))?.userId).toBe(identity.userId);
    });

    it('makes no user when the identity is taken, and no identity when the user cannot be made', async () => {
      const { user, identity } = await federatedUser();
      const newcomer = buildUserRecord();
      expect(await codeOf(store.createUserWithIdentity(newcomer, { ...identity, userId: newcomer.id }))).toBe(
        'ERR_IDENTITY_TAKEN',
      );
      expect(await fixture.users.findById(newcomer.id)).toBeNull();

      const sameName = buildUserRecord({ username: user.username, usernameKey: user.usernameKey });
      const fresh = buildIdentity(sameName.id);
      expect(await codeOf(store.createUserWithIdentity(sameName, fresh))).toBe('ERR_USERNAME_TAKEN');
      expect(await store.find(fresh.provider, fresh.subject)).toBeNull();

      const key = `taken-${randomBytes(4).toString('hex')}@example.com`;
      await fixture.users.create(buildUserRecord({ email: key, emailKey: key }));
      const sameEmail = buildUserRecord({ email: key, emailKey: key });
      const another = buildIdentity(sameEmail.id);
      expect(await codeOf(store.createUserWithIdentity(sameEmail, another))).toBe('ERR_EMAIL_TAKEN');
      expect(await store.find(another.provider, another.subject)).toBeNull();
      expect(await fixture.users.findById(sameEmail.id)).toBeNull();
    });

    it('makes exactly one account when one identity signs in for the first time many times at once', async () => {
      const subject = `race-${randomBytes(8).toString('hex')}`;
      const users = Array.from({ length: 8 }, () => buildUserRecord({ passwordHash: NO_PASSWORD_HASH }));
      const outcomes = await Promise.all(
        users.map((user) => codeOf(store.createUserWithIdentity(user, buildIdentity(user.id, { subject })))),
      );
      expect(outcomes.filter((code) => code === 'none')).toHaveLength(1);
      expect(outcomes.filter((code) => code !== 'none').every((code) => code === 'ERR_IDENTITY_TAKEN')).toBe(true);
      const winner = users[outcomes.indexOf('none')] as UserRecord;
      expect((await store.find('example', subject))?.userId).toBe(winner.id);
      const made = await Promise.all(users.map((user) => fixture.users.findById(user.id)));
      expect(made.filter((user) => user !== null)).toHaveLength(1);
    });

    it('links one identity to exactly one of several users linking it at once', async () => {
      const candidates = await Promise.all(Array.from({ length: 6 }, () => federatedUser()));
      const subject = `race-${randomBytes(8).toString('hex')}`;
      const outcomes = await Promise.all(
        candidates.map(({ user }) => codeOf(store.link(buildIdentity(user.id, { provider: 'contested', subject })))),
      );
      expect(outcomes.filter((code) => code === 'none')).toHaveLength(1);
    });

    it('records what the provider says at each sign-in', async () => {
      const { identity } = await federatedUser();
      const signIn = {
        email: 'new@example.com',
        emailVerified: true,
        displayName: 'New',
        at: 5000,
        sealedTokens: 'v1.k.s',
      };
      expect(await store.recordSignIn(identity.provider, identity.subject, signIn)).toBe(true);
      expect(await store.find(identity.provider, identity.subject)).toEqual({
        ...identity,
        email: 'new@example.com',
        emailVerified: true,
        displayName: 'New',
        lastSignInAt: 5000,
        sealedTokens: 'v1.k.s',
      });
    });

    it('unlinks an identity only while another way to sign in remains', async () => {
      const { user, identity } = await federatedUser();
      expect(await store.unlink(user.id, identity.provider)).toBe('last-sign-in-method');
      expect(await store.find(identity.provider, identity.subject)).not.toBeNull();
      expect(await store.unlink(user.id, 'never-linked')).toBe('not-found');

      const second = buildIdentity(user.id, { provider: 'second' });
      await store.link(second);
      expect(await store.unlink(user.id, identity.provider)).toBe('unlinked');
      expect(await store.listByUser(user.id)).toEqual([second]);

      const withPassword = await federatedUser(buildUserRecord().passwordHash);
      expect(await store.unlink(withPassword.user.id, 'example')).toBe('unlinked');
      expect(await store.listByUser(withPassword.user.id)).toEqual([]);
    });

    it("never unlinks a passwordless user's last two identities both, however the unlinks race", async () => {
      for (let round = 0; round < 3; round++) {
        const { user, identity } = await federatedUser();
        await store.link(buildIdentity(user.id, { provider: 'second' }));
        const outcomes = await Promise.all([store.unlink(user.id, identity.provider), store.unlink(user.id, 'second')]);
        expect(outcomes.sort()).toEqual(['last-sign-in-method', 'unlinked']);
        expect(await store.listByUser(user.id)).toHaveLength(1);
      }
    });

    it('unlinks all identities of one user, even the last way in, and names their providers', async () => {
      const { user, identity } = await federatedUser();
      await store.link(buildIdentity(user.id, { provider: 'second' }));
      const { identity: theirs } = await federatedUser(buildUserRecord().passwordHash);
      expect([...(await store.unlinkAll(user.id))].sort()).toEqual([identity.provider, 'second'].sort());
      expect(await store.listByUser(user.id)).toEqual([]);
      expect(await store.unlinkAll(user.id)).toEqual([]);
      expect(await store.find(theirs.provider, theirs.subject)).toEqual(theirs);
    });

    it("leaves other users' identities alone", async () => {
      const { user } = await federatedUser(buildUserRecord().passwordHash);
      const { identity: theirs } = await federatedUser(buildUserRecord().passwordHash);
      expect(await store.unlink(user.id, 'elsewhere')).toBe('not-found');
      expect(await store.find(theirs.provider, theirs.subject)).toEqual(theirs);
    });
  });
}
