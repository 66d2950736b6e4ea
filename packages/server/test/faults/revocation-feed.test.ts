import { systemClock } from '@jwtgate/core';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { redisKeys } from '../../src/stores/redis/redis-keys.js';
import { createRevocationLog } from '../../src/stores/redis/revocation-log.js';
import { type RedisServerProcess, startRedisServer, waitFor } from '../support/redis-servers.js';
import { uniqueName } from '../support/services.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { describeWithTool } from '../support/tools.js';
import { sidOf } from './outage-checks.js';

// These tests start redis-server processes of their own.
const describeWithOwnRedis = describeWithTool('redis-server');

const TIMEOUT_MS = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithOwnRedis('the revocation feed of an instance', () => {
  let redis: RedisServerProcess;
  let admin: Redis;
  let prefix: string;
  let env: Record<string, string>;
  let t: TestServer | undefined;
  beforeEach(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    admin.on('error', () => {});
    prefix = `${uniqueName('jwtgate_t')}:`;
    env = {
      JWTGATE_REDIS_URL: redis.url,
      JWTGATE_REDIS_TIMEOUT: String(TIMEOUT_MS),
      JWTGATE_REDIS_KEY_PREFIX: prefix,
    };
    t = await startTestServer({ clock: systemClock, env });
  });
  afterEach(async () => {
    await t?.close();
    admin?.disconnect();
    await redis?.dispose();
  });

  it('notices within 3 × Redis.Timeout a feed connection that died without a word, and catches up', async () => {
    const server = t as TestServer;
    const proxy = await startTcpProxy(redis.port);
    const cutOff = await startTestServer({
      clock: systemClock,
      env: { ...env, JWTGATE_REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
      dataDir: server.dataDir,
    });
    try {
      const { accessToken } = await server.signUp();
      expect((await cutOff.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(200);

      // Its subscription was the last connection it opened; the other one (commands) still works.
      proxy.freezeLatest();
      const frozenAt = Date.now();
      expect((await server.request({ method: 'POST', url: '/auth/logout', token: accessToken })).json()).toEqual({
        revoked: 1,
      });

      let noticedAfterMs: number | undefined;
      while (noticedAfterMs === undefined && Date.now() - frozenAt < 8_000) {
        const ready = await cutOff.request({ method: 'GET', url: '/readyz' });
        const me = await cutOff.request({ method: 'GET', url: '/auth/me', token: accessToken });
        if (ready.statusCode === 503 || me.json().error?.code === 'ERR_TOKEN_REVOKED') {
          noticedAfterMs = Date.now() - frozenAt;
        }
        await sleep(25);
      }
      // Three heartbeats, and a margin for a loaded machine.
      expect(noticedAfterMs).toBeLessThan(3 * TIMEOUT_MS + 1_000);
      // A new subscription, and the catch-up from the log, bring the revocation.
      await waitFor('the revocation to reach the cut-off instance', async () =>
        cutOff.server.sessions.revocations.has(sidOf(accessToken)),
      );
    } finally {
      await cutOff.close();
      await proxy.close();
    }
  });

  it('stays ready while Redis is down, for Revocation.MaxFeedLag, and says so', async () => {
    const server = await startTestServer({
      clock: systemClock,
      env: { ...env, JWTGATE_REVOCATION_MAX_FEED_LAG: '2' },
      dataDir: (t as TestServer).dataDir,
    });
    try {
      await redis.stop();
      const stoppedAt = Date.now();
      await waitFor('the feed to be behind', async () => {
        const res = await server.request({ method: 'GET', url: '/readyz' });
        return res.json().revocationFeed?.state === 'behind';
      });
      const during = await server.request({ method: 'GET', url: '/readyz' });
      expect(during.statusCode, during.body).toBe(200);
      expect(during.json()).toMatchObject({ stores: { database: 'up', redis: 'down' } });
      await waitFor('not ready once the lag is past', async () => {
        const res = await server.request({ method: 'GET', url: '/readyz' });
        return res.statusCode === 503;
      });
      // The lag counts from the last moment the feed was known complete: a heartbeat before the stop at most.
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(2_000 - 2 * TIMEOUT_MS);
    } finally {
      await redis.restart();
      await server.close();
    }
  });
});

describeWithOwnRedis('catching up with a long revocation log', () => {
  const ENTRIES = 300_000;
  let redis: RedisServerProcess;
  let admin: Redis;
  let prefix: string;
  let a: TestServer;
  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    admin.on('error', () => {});
    prefix = `${uniqueName('jwtgate_t')}:`;
    a = await startTestServer({
      clock: systemClock,
      env: {
        JWTGATE_REDIS_URL: redis.url,
        JWTGATE_REDIS_TIMEOUT: String(TIMEOUT_MS),
        JWTGATE_REDIS_KEY_PREFIX: prefix,
      },
    });
  });
  afterAll(async () => {
    await a?.close();
    admin?.disconnect();
    await redis?.dispose();
  });

  it('pages through the entries of one millisecond without losing or repeating any', async () => {
    const keys = redisKeys(`${uniqueName('jwtgate_t')}:`);
    const log = createRevocationLog(admin, { keys, retentionMs: 900_000 });
    const at = Date.now();
    const ids = Array.from({ length: 2_500 }, (_, i) => `s${String(i).padStart(5, '0')}`);
    await admin.zadd(keys.revoked, ...ids.flatMap((id) => [at, id]));
    const seen: string[] = [];
    let cursor: Parameters<typeof log.page>[0] | null = { score: at - 1, skip: 0 };
    while (cursor !== null) {
      const page: Awaited<ReturnType<typeof log.page>> = await log.page(cursor, 1_000);
      seen.push(...page.revocations.map((r) => r.id));
      cursor = page.next;
    }
    expect(seen).toEqual(ids);
  });

  it(`starts on ${ENTRIES} revocations in bounded Redis calls, and misses none made while it reads them`, async () => {
    const keys = redisKeys(prefix);
    const now = Date.now();
    for (let i = 0; i < ENTRIES; i += 10_000) {
      const batch = Array.from({ length: 10_000 }, (_, j) => [now - 60_000 + ((i + j) % 60_000), `old${i + j}`]);
      await admin.zadd(keys.revoked, ...batch.flat());
    }
    await admin.config('SET', 'slowlog-log-slower-than', '100000');
    await admin.slowlog('RESET');

    const { accessToken, userId } = await a.signUp();
    const sid = sidOf(accessToken);
    let started = false;
    const starting = startTestServer({
      clock: systemClock,
      env: {
        JWTGATE_REDIS_URL: redis.url,
        JWTGATE_REDIS_TIMEOUT: String(TIMEOUT_MS),
        JWTGATE_REDIS_KEY_PREFIX: prefix,
      },
      dataDir: a.dataDir,
    }).then((server) => {
      started = true;
      return server;
    });
    // Once it has subscribed, it is reading the log: revoke now, one revocation of this moment
    // (ahead of its cursor) and one written late with an old time (behind it).
    await waitFor(
      'the new instance to subscribe',
      async () =>
        Number(await admin.call('PUBSUB', 'NUMSUB', keys.channel).then((r) => (r as [string, number])[1])) >= 2,
      10_000,
    );
    expect((await a.request({ method: 'POST', url: '/auth/logout', token: accessToken })).json()).toEqual({
      revoked: 1,
    });
    const lateLog = createRevocationLog(admin, { keys, retentionMs: 900_000 });
    await lateLog.record([{ id: 'late-written-old-revocation', userId, revokedAt: now - 59_000 }]);
    expect(started).toBe(false);
    const b = await starting;
    try {
      expect(b.server.sessions.revocations.has(sid)).toBe(true);
      expect(b.server.sessions.revocations.has('late-written-old-revocation')).toBe(true);
      expect(b.server.sessions.revocations.has('old123456')).toBe(true);
      // No Redis call of the catch-up held Redis for 100 ms or more.
      const slow = (await admin.slowlog('GET', 100)) as [number, number, number, string[]][];
      expect(slow.map((entry) => `${entry[3]?.[0]} ${entry[2]} µs`)).toEqual([]);
    } finally {
      await b.close();
    }
  });
});
