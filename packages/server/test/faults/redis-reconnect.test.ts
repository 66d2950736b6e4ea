import { systemClock } from '@jwtgate/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type RedisServerProcess, startRedisServer } from '../support/redis-servers.js';
import { uniqueName } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { describeWithTool } from '../support/tools.js';
import { waitUntilReady } from './outage-checks.js';

// These tests start redis-server processes of their own.
const describeWithOwnRedis = describeWithTool('redis-server');

const TIMEOUT_MS = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithOwnRedis('when the network to Redis is cut and comes back', () => {
  let redis: RedisServerProcess;
  let proxy: TcpProxy;
  let t: TestServer;
  beforeEach(async () => {
    redis = await startRedisServer();
    proxy = await startTcpProxy(redis.port);
    t = await startTestServer({
      clock: systemClock,
      env: {
        JWTGATE_REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
        JWTGATE_REDIS_TIMEOUT: String(TIMEOUT_MS),
        JWTGATE_REDIS_KEY_PREFIX: `${uniqueName('jwtgate_t')}:`,
      },
    });
  });
  afterEach(async () => {
    await t?.close();
    await proxy?.close();
    await redis?.dispose();
  });

  it('answers every request once ready again, with no late drop of the new connection', async () => {
    const { accessToken } = await t.signUp();
    const sessions = () => t.request({ method: 'GET', url: '/auth/sessions', token: accessToken });
    expect((await sessions()).statusCode).toBe(200);

    // Nothing gets through: a command waits on the old connection, which the socket timeout
    // then drops, and the reconnection that follows hangs in the black hole too.
    proxy.cut('black-hole');
    expect((await sessions()).statusCode).toBe(503);
    await sleep(4 * TIMEOUT_MS);
    // The network comes back: the hanging reconnection attempt fails, the next one succeeds.
    proxy.restore();
    await waitUntilReady(t);

    const failures: string[] = [];
    const until = Date.now() + 8 * TIMEOUT_MS;
    while (Date.now() < until) {
      const res = await sessions();
      if (res.statusCode !== 200) failures.push(`${res.statusCode} after ${until - Date.now()} ms left`);
      await sleep(20);
    }
    expect(failures).toEqual([]);
  });
});
