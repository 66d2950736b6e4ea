import { systemClock } from '@jwtgate/core';
import type { LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { redisKeys } from '../../src/stores/redis/redis-keys.js';
import * as scripts from '../../src/stores/redis/session-scripts.js';
import { type RedisServerProcess, startRedisServer } from '../support/redis-servers.js';
import { uniqueName } from '../support/services.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { describeWithTool } from '../support/tools.js';
import { sidOf } from './outage-checks.js';

// These tests start redis-server processes of their own.
const describeWithOwnRedis = describeWithTool('redis-server');

/** The default `Redis.Timeout`; Redis stalls for longer than it, and for less than twice it. */
const TIMEOUT_MS = 1_000;
const PAUSE_MS = 1_500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithOwnRedis('when Redis stalls for longer than Redis.Timeout and less than twice that', () => {
  let redis: RedisServerProcess;
  let admin: Redis;
  let a: TestServer;
  let b: TestServer;
  let adminToken: string;
  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    const env = {
      JWTGATE_REDIS_URL: redis.url,
      JWTGATE_REDIS_TIMEOUT: String(TIMEOUT_MS),
      JWTGATE_REDIS_KEY_PREFIX: `${uniqueName('jwtgate_t')}:`,
      JWTGATE_AUTH_MAX_SESSIONS: '2',
    };
    a = await startTestServer({ clock: systemClock, env });
    b = await startTestServer({ clock: systemClock, env, dataDir: a.dataDir });
    const boss = await a.signUp();
    await a.server.users.update(boss.userId, { role: 'admin', updatedAt: Date.now() });
    adminToken = (await a.login(boss.username, boss.password)).accessToken;
    // As on a server that has run for a while: every script is known, so a held EVALSHA runs later.
    for (const script of Object.values(scripts)) {
      if (typeof script === 'object' && 'lua' in script) await admin.script('LOAD', script.lua);
    }
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    admin?.disconnect();
    await redis?.dispose();
  });

  /** Runs `request` on instance a while Redis is paused, and waits until the pause is over. */
  async function duringStall(request: () => Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> {
    await admin.call('CLIENT', 'PAUSE', String(PAUSE_MS), 'ALL');
    const started = Date.now();
    const res = await request();
    await sleep(PAUSE_MS - (Date.now() - started) + 200);
    // Whatever happens after a stall has had time to: the paused command, a look at it, the notices.
    await sleep(2 * TIMEOUT_MS);
    return res;
  }

  /**
   * Whether the session is ended in the store, and whether instance b heard
   * of it (and so refuses its access tokens): the two must agree.
   */
  async function state(session: { accessToken: string }) {
    const sid = sidOf(session.accessToken);
    const keys = redisKeys(a.server.config.redis?.keyPrefix as string);
    const ended = (await admin.hget(keys.session(sid), 'revokedAt')) !== null;
    return { ended, refusedElsewhere: b.server.sessions.revocations.has(sid) };
  }

  /** Told that nothing was ended, the client must find nothing ended, and an ended session would be refused everywhere. */
  async function expectNothingEnded(sessions: readonly { accessToken: string }[]) {
    for (const session of sessions) {
      const { ended, refusedElsewhere } = await state(session);
      expect(ended).toBe(false);
      expect(refusedElsewhere).toBe(ended);
    }
  }

  const cases: {
    name: string;
    act: (user: {
      accessToken: string;
      userId: string;
      username: string;
      password: string;
    }) => Promise<LightMyRequestResponse>;
  }[] = [
    { name: 'a logout', act: (u) => a.request({ method: 'POST', url: '/auth/logout', token: u.accessToken }) },
    {
      name: 'a logout of all sessions',
      act: (u) => a.request({ method: 'POST', url: '/auth/logout', token: u.accessToken, body: { scope: 'all' } }),
    },
    {
      name: 'a forced logout by an administrator',
      act: (u) => a.request({ method: 'POST', url: `/admin/users/${u.userId}/logout`, token: adminToken }),
    },
  ];

  for (const { name, act } of cases) {
    it(`answers ${name} with 503 and then neither ends a session nor leaves one ended unannounced`, async () => {
      const user = await a.signUp();
      const second = await a.login(user.username, user.password);
      const res = await duringStall(() => act({ ...user, accessToken: second.accessToken }));
      expect(res.statusCode, res.body).toBe(503);
      await expectNothingEnded([user, second]);
    });
  }

  it('fails the session store calls of a password change and of a login, and they neither end a session nor leave one ended unannounced', async () => {
    const user = await a.signUp();
    const second = await a.login(user.username, user.password);
    const record = await a.server.users.findById(user.userId);
    if (record === null) throw new Error('the user is gone');
    // The calls these routes make once the password has been checked (the check itself needs
    // Redis for its throttle, so a stall from the start of the request stops it before).
    const passwordChange = () =>
      a.server.sessions.revokeAll(user.userId, {
        reason: 'password-changed',
        exceptSessionId: sidOf(second.accessToken),
      });
    const loginBeyondTheLimit = () => a.server.sessions.issue({ user: record, device: 'third' });
    for (const call of [passwordChange, loginBeyondTheLimit]) {
      let failure: unknown;
      await duringStall(async () => {
        failure = await call().then(
          () => null,
          (error: unknown) => error,
        );
        return { statusCode: 503 } as LightMyRequestResponse;
      });
      expect(failure).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
      await expectNothingEnded([user, second]);
    }
  });

  it('announces a revocation that Redis ran in time but whose answer came too late', async () => {
    const user = await a.signUp();
    const sid = sidOf(user.accessToken);
    // Redis holds the command briefly (well inside the fence), then runs it; meanwhile this
    // process is too busy to read the answer before its own deadline has passed.
    await admin.call('CLIENT', 'PAUSE', '200', 'ALL');
    const revoking = a.server.sessions.revoke(sid, { reason: 'logout', userId: user.userId }).then(
      () => null,
      (error: unknown) => error,
    );
    await sleep(50);
    // Blocked from a check-phase callback, the loop next runs its timers (the deadline) and only
    // then reads the socket, where the answer waits.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        const busyUntil = Date.now() + TIMEOUT_MS + 500;
        while (Date.now() < busyUntil) {
          // Busy.
        }
        resolve();
      }),
    );
    expect(await revoking).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    expect((await state(user)).ended).toBe(true);
    const deadline = Date.now() + 4 * TIMEOUT_MS;
    while (!b.server.sessions.revocations.has(sid) && Date.now() < deadline) await sleep(50);
    expect(b.server.sessions.revocations.has(sid)).toBe(true);
  });

  it('answers disabling a user with 503 and leaves no session ended unannounced', async () => {
    const user = await a.signUp();
    const res = await duringStall(() =>
      a.request({ method: 'POST', url: `/admin/users/${user.userId}/disable`, token: adminToken }),
    );
    expect(res.statusCode, res.body).toBe(503);
    const { ended, refusedElsewhere } = await state(user);
    expect(refusedElsewhere).toBe(ended);
  });
});
