import { systemClock } from '@jwtgate/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ListeningServer, PASSWORD, startListeningServer } from '../support/listening-server.js';
import type { Exposition } from '../support/prometheus-text.js';
import { type RedisServerProcess, startRedisServer } from '../support/redis-servers.js';
import { describeWithService, serviceUrl, uniqueName } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { describeWithTool } from '../support/tools.js';

// These tests start redis-server processes of their own.
const describeWithOwnRedis = describeWithTool('redis-server');

/** Scrapes until `metric` reads `value`, for state that changes when a connection does. */
async function scrapeUntil(s: ListeningServer, metric: string, value: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = (await s.scrape()).value(metric);
    if (current === value) return;
    if (Date.now() > deadline) throw new Error(`${metric} is ${current}, not ${value}, after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeWithService('redis')('metrics of a server whose sessions live in Redis', () => {
  let proxy: TcpProxy;
  let s: ListeningServer;
  beforeAll(async () => {
    // The server reaches the shared Redis through a proxy the test can cut, without touching Redis itself.
    proxy = await startTcpProxy(Number(new URL(serviceUrl('redis') as string).port || 6379));
    s = await startListeningServer({
      clock: systemClock,
      env: {
        JWTGATE_REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
        JWTGATE_REDIS_KEY_PREFIX: `${uniqueName('jwtgate_ops')}:`,
        JWTGATE_REDIS_TIMEOUT: '500',
      },
    });
  });
  afterAll(async () => {
    await s?.close();
    await proxy?.close();
  });

  it('report the revocation feed connected, then not while Redis is unreachable, then connected again', async () => {
    expect((await s.scrape()).value('jwtgate_revocation_feed_connected')).toBe(1);
    proxy.cut('refuse');
    try {
      await scrapeUntil(s, 'jwtgate_revocation_feed_connected', 0);
    } finally {
      proxy.restore();
    }
    await scrapeUntil(s, 'jwtgate_revocation_feed_connected', 1);
  });

  it('count the 503 answers of an unreachable Redis under the redis backend', async () => {
    const account = await s.signUp();
    const before = await s.scrape();
    proxy.cut('refuse');
    try {
      const refresh = await s.send('POST', '/auth/refresh', { body: { refreshToken: account.refreshToken } });
      expect(refresh.body.error.code).toBe('ERR_STORE_UNAVAILABLE');
    } finally {
      proxy.restore();
    }
    const after = await s.scrape();
    expect(
      after.sum('jwtgate_store_errors_total', { backend: 'redis' }) -
        before.sum('jwtgate_store_errors_total', { backend: 'redis' }),
    ).toBe(1);
    expect(after.sum('jwtgate_store_errors_total', { backend: 'database' })).toBe(
      before.sum('jwtgate_store_errors_total', { backend: 'database' }),
    );
    // The refresh token was not spent: once Redis is back it rotates.
    await scrapeUntil(s, 'jwtgate_revocation_feed_connected', 1);
    expect((await s.send('POST', '/auth/refresh', { body: { refreshToken: account.refreshToken } })).status).toBe(200);
  });
});

describeWithOwnRedis('store metrics of a server whose own redis-server is stopped', () => {
  let redis: RedisServerProcess;
  let s: ListeningServer;
  beforeAll(async () => {
    redis = await startRedisServer();
    s = await startListeningServer({
      clock: systemClock,
      env: { JWTGATE_REDIS_URL: redis.url, JWTGATE_REDIS_TIMEOUT: '300' },
    });
  });
  afterAll(async () => {
    await s?.close();
    await redis?.dispose();
  });

  it('time the Redis operations and count those that fail, by operation', async () => {
    const before = await s.scrape();
    const account = await s.signUp();
    const running = delta(before, await s.scrape());
    // Sessions and login attempts live in Redis, users in the database.
    expect(
      running('jwtgate_store_operation_duration_seconds_count', { store: 'redis', operation: 'sessions.create' }),
    ).toBe(1);
    expect(
      running('jwtgate_store_operation_duration_seconds_count', { store: 'redis', operation: 'attempts.hit' }),
    ).toBeGreaterThanOrEqual(1);
    expect(running('jwtgate_store_operation_duration_seconds_count', { store: 'sql', operation: 'users.create' })).toBe(
      1,
    );
    expect(running('jwtgate_store_operation_errors_total')).toBe(0);

    const stopped = await s.scrape();
    await redis.stop();
    try {
      const refresh = await s.send('POST', '/auth/refresh', { body: { refreshToken: account.refreshToken } });
      expect(refresh.body.error.code).toBe('ERR_STORE_UNAVAILABLE');
      const login = await s.send('POST', '/auth/login', { body: { username: account.username, password: PASSWORD } });
      expect(login.body.error.code).toBe('ERR_STORE_UNAVAILABLE');
    } finally {
      await redis.restart();
    }
    const moved = delta(stopped, await s.scrape());
    const failed = (operation: string) => moved('jwtgate_store_operation_errors_total', { store: 'redis', operation });
    // Both failed at their first round trip, before anything else: the refresh
    // reads its address's count, counts its session and reads the session all
    // at once (a peek, a hit and a get), and rotates nothing; the login fails
    // at its first read, before any hashing.
    expect(failed('attempts.peek')).toBe(2);
    expect(failed('sessions.get')).toBe(1);
    expect(failed('sessions.rotate')).toBe(0);
    expect(failed('attempts.hit')).toBe(1);
    expect(moved('jwtgate_store_operation_errors_total', { store: 'sql' })).toBe(0);
    expect(moved('jwtgate_store_errors_total', { backend: 'redis' })).toBe(2);
  });
});

/** How much each series moved between two scrapes. */
function delta(before: Exposition, after: Exposition) {
  return (name: string, labels: Record<string, string> = {}) => after.sum(name, labels) - before.sum(name, labels);
}
