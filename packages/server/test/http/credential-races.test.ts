import { createRevocationFeed, createVerifier, type RevocationFeed, type Verifier } from '@jwtgate/middleware';
import { hash as hashBcrypt } from '@node-rs/bcrypt';
import type { LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { createHoldingHasher, type HoldingHasher } from '../support/held-hasher.js';
import { deleteKeysWithPrefix } from '../support/redis-servers.js';
import { serviceUrl, uniqueName } from '../support/services.js';
import { expectSessionEnded } from '../support/session-checks.js';
import { decodeJwt, startTestServer, TEST_ACCESS_SECRET, type TestServer } from '../support/test-server.js';

const NEW_PASSWORD = 'a new passphrase nobody else knows';
/** Logins in flight during each change. */
const IN_FLIGHT = 4;

interface Setup {
  readonly name: string;
  readonly database?: 'postgres' | 'mysql';
  readonly redis?: boolean;
}

const setups: Setup[] = [
  { name: 'SQLite' },
  { name: 'PostgreSQL', database: 'postgres' },
  { name: 'MariaDB', database: 'mysql' },
  { name: 'SQLite users and Redis sessions', redis: true },
  { name: 'PostgreSQL users and Redis sessions', database: 'postgres', redis: true },
];

function available(setup: Setup): boolean {
  return (
    (setup.database === undefined || serviceUrl(setup.database) !== undefined) &&
    (setup.redis !== true || serviceUrl('redis') !== undefined)
  );
}

for (const setup of setups) {
  (available(setup) ? describe : describe.skip)(`credential changes racing logins, on ${setup.name}`, () => {
    let t: TestServer;
    let holding: HoldingHasher;
    let database: TestDatabase | undefined;
    const keyPrefix = `${uniqueName('jwtgate_t')}:`;
    let redis: { client: Redis; subscriber: Redis; feed: RevocationFeed } | undefined;
    let service: Verifier | undefined;

    beforeAll(async () => {
      holding = await createHoldingHasher();
      database = setup.database === undefined ? undefined : await createTestDatabase(setup.database);
      t = await startTestServer({
        passwordHasher: holding.hasher,
        env: {
          // Held checks keep their hashing slot: room for them and for the change itself.
          UV_THREADPOOL_SIZE: '16',
          JWTGATE_HASHING_MAX_CONCURRENT: String(IN_FLIGHT + 2),
          ...(database === undefined ? {} : { JWTGATE_DATABASE_URL: database.url }),
          ...(setup.redis === true
            ? { JWTGATE_REDIS_URL: serviceUrl('redis') as string, JWTGATE_REDIS_KEY_PREFIX: keyPrefix }
            : {}),
        },
      });
      if (setup.redis === true) {
        // A resource service, as the middleware's documentation sets one up: the server's
        // key, and the revocation feed from the same Redis.
        const url = serviceUrl('redis') as string;
        const client = new Redis(url);
        const subscriber = new Redis(url);
        const feed = createRevocationFeed({
          subscriber,
          client,
          prefix: keyPrefix,
          retentionSec: t.server.config.auth.accessExpire + t.server.config.auth.clockLeeway,
          clock: t.clock,
        });
        await feed.ready;
        redis = { client, subscriber, feed };
        service = createVerifier({
          algorithms: ['HS256'],
          secret: TEST_ACCESS_SECRET,
          issuer: t.server.config.auth.issuer,
          audience: [...t.server.config.auth.audience],
          clock: t.clock,
          revocations: feed,
        });
      }
    }, 60_000);
    afterAll(async () => {
      await t?.close();
      if (redis !== undefined) {
        await redis.feed.close();
        await deleteKeysWithPrefix(redis.client, keyPrefix);
        redis.client.disconnect();
        redis.subscriber.disconnect();
      }
      await database?.drop();
    });

    /** A resource service refuses the token, once the feed has brought the revocation. */
    async function expectRefusedByService(accessToken: string): Promise<void> {
      if (service === undefined) return;
      const verifier = service;
      await vi.waitFor(
        () => expect(verifier.verify(accessToken)).rejects.toMatchObject({ code: 'ERR_TOKEN_REVOKED' }),
        { timeout: 2_000, interval: 20 },
      );
    }

    const login = (username: string, password: string) =>
      t.request({ method: 'POST', url: '/auth/login', body: { username, password } });

    /** Starts the logins, each held once its password check has its result. */
    async function loginsHeldAfterTheirCheck(username: string, password: string) {
      const held = holding.holdNextVerifications(IN_FLIGHT);
      const answers = Promise.all(Array.from({ length: IN_FLIGHT }, () => login(username, password)));
      await held.allHeld;
      return { release: held.release, answers };
    }

    /**
     * No answer left a working session: each login was refused, or its
     * access token is refused by the server and by a resource service, and
     * its refresh token mints nothing.
     */
    async function expectNoWorkingSession(answers: readonly LightMyRequestResponse[]): Promise<void> {
      for (const answer of answers) {
        if (answer.statusCode !== 200) {
          expect(answer.statusCode, answer.body).toBe(401);
          expect(answer.json().error.code).toBe('ERR_INVALID_CREDENTIALS');
          continue;
        }
        const tokens = answer.json() as { accessToken: string; refreshToken: string };
        await expectRefusedByService(tokens.accessToken);
        await expectSessionEnded(t, tokens);
      }
      // Each check was made before the change and finished after it: none may have won.
      expect(answers.map((answer) => answer.statusCode)).toEqual(Array(IN_FLIGHT).fill(401));
    }

    /** The user changes their password to {@link NEW_PASSWORD} from their own session. */
    async function changePassword(user: { accessToken: string; password: string }): Promise<void> {
      const change = await t.request({
        method: 'POST',
        url: '/auth/password',
        token: user.accessToken,
        body: { currentPassword: user.password, newPassword: NEW_PASSWORD },
      });
      expect(change.statusCode, change.body).toBe(200);
    }

    async function makeAdmin(): Promise<Awaited<ReturnType<TestServer['signUp']>>> {
      const account = await t.signUp();
      await t.server.users.update(account.userId, { role: 'admin', updatedAt: t.clock.now() });
      return { ...account, ...(await t.login(account.username, account.password)) };
    }

    it(`leaves none of ${IN_FLIGHT} logins with the old password a session when the password changes meanwhile`, async () => {
      const user = await t.signUp({ device: 'laptop' });
      const { release, answers } = await loginsHeldAfterTheirCheck(user.username, user.password);
      await changePassword(user);
      release();
      await expectNoWorkingSession(await answers);

      // The session that made the change goes on, refresh included; it is the only one.
      const sessions = await t.request({ method: 'GET', url: '/auth/sessions', token: user.accessToken });
      expect(sessions.json().sessions.map((s: { device: string }) => s.device)).toEqual(['laptop']);
      const refreshed = await t.request({
        method: 'POST',
        url: '/auth/refresh',
        body: { refreshToken: user.refreshToken },
      });
      expect(refreshed.statusCode, refreshed.body).toBe(200);
      expect((await login(user.username, NEW_PASSWORD)).statusCode).toBe(200);
    });

    it(`never lets the rehash of an imported hash by ${IN_FLIGHT} logins in flight bring the old password back`, async () => {
      const user = await t.signUp();
      // As imported from another system: a bcrypt hash, which the next successful login replaces with argon2id.
      await t.server.users.update(user.userId, {
        passwordHash: await hashBcrypt(user.password, 4),
        updatedAt: t.clock.now(),
      });
      // Each login has checked the old password and computed its argon2id hash, and is about to store it.
      const rehashes = holding.holdNextHashes(IN_FLIGHT);
      const answers = Promise.all(Array.from({ length: IN_FLIGHT }, () => login(user.username, user.password)));
      await rehashes.allHeld;
      await changePassword(user);
      rehashes.release();
      await expectNoWorkingSession(await answers);
      expect((await login(user.username, user.password)).statusCode).toBe(401);
      expect((await login(user.username, NEW_PASSWORD)).statusCode).toBe(200);
      // The stored hash is the new password's, and in jwtgate's own format.
      const stored = await t.server.users.findById(user.userId);
      expect(stored?.passwordHash.startsWith('$argon2id$')).toBe(true);
    });

    it(`leaves none of ${IN_FLIGHT} logins a session when an administrator disables the account meanwhile`, async () => {
      const admin = await makeAdmin();
      const user = await t.signUp();
      const { release, answers } = await loginsHeldAfterTheirCheck(user.username, user.password);
      const disable = await t.request({
        method: 'POST',
        url: `/admin/users/${user.userId}/disable`,
        token: admin.accessToken,
      });
      expect(disable.statusCode, disable.body).toBe(200);
      release();
      await expectNoWorkingSession(await answers);
      expect(await t.server.sessions.list(user.userId)).toEqual([]);
      await expectSessionEnded(t, user);
    });

    it(`mints no administrator's token for ${IN_FLIGHT} logins in flight when the role is taken away meanwhile`, async () => {
      const admin = await makeAdmin();
      const demoted = await makeAdmin();
      const { release, answers } = await loginsHeldAfterTheirCheck(demoted.username, demoted.password);
      const patch = await t.request({
        method: 'PATCH',
        url: `/admin/users/${demoted.userId}`,
        token: admin.accessToken,
        body: { role: 'user' },
      });
      expect(patch.statusCode, patch.body).toBe(200);
      release();
      const settled = await answers;
      for (const answer of settled.filter((a) => a.statusCode === 200)) {
        const { accessToken } = answer.json() as { accessToken: string };
        expect(decodeJwt(accessToken).payload.role).toBe('admin');
        const listing = await t.request({ method: 'GET', url: '/admin/users', token: accessToken });
        expect(listing.statusCode).toBe(401);
      }
      await expectNoWorkingSession(settled);
      // A login after the change carries the new role.
      const after = await login(demoted.username, demoted.password);
      expect(decodeJwt(after.json().accessToken).payload.role).toBe('user');
    });

    it('refuses and ends at refresh a session its user’s credentials have moved past', async () => {
      const user = await t.signUp();
      // A change whose revocation never reached the session store (it failed after the
      // version was raised; the client was told so and may not retry).
      await t.server.users.update(user.userId, { bumpCredentialVersion: true, updatedAt: t.clock.now() });
      const refresh = await t.request({
        method: 'POST',
        url: '/auth/refresh',
        body: { refreshToken: user.refreshToken },
      });
      expect(refresh.statusCode).toBe(401);
      expect(refresh.json().error.code).toBe('ERR_SESSION_REVOKED');
      await expectSessionEnded(t, user);
      await expectRefusedByService(user.accessToken);
    });
  });
}
