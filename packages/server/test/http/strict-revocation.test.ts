import { systemClock } from '@jwtgate/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { redisKeys } from '../../src/stores/redis/redis-keys.js';
import { type RedisServerProcess, startRedisServer } from '../support/redis-servers.js';
import { decodeJwt, startTestServer, type TestServer } from '../support/test-server.js';
import { describeWithTool } from '../support/tools.js';

// These tests start redis-server processes of their own.
const describeWithOwnRedis = describeWithTool('redis-server');

describeWithOwnRedis('strict revocation (Revocation.Strict)', () => {
  let redis: RedisServerProcess;
  let strict: TestServer;
  let lax: TestServer;
  beforeAll(async () => {
    redis = await startRedisServer();
    const env = { JWTGATE_REDIS_URL: redis.url, JWTGATE_REDIS_TIMEOUT: '500' };
    strict = await startTestServer({ clock: systemClock, env: { ...env, JWTGATE_REVOCATION_STRICT: 'true' } });
    // Same users (one SQLite file), same Redis: only the strictness differs.
    lax = await startTestServer({ clock: systemClock, env, dataDir: strict.dataDir });
  });
  afterAll(async () => {
    await lax?.close();
    await strict?.close();
    await redis?.dispose();
  });

  it('accepts a token whose session stands', async () => {
    const { accessToken } = await strict.signUp();
    expect((await strict.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(200);
  });

  it('refuses a token whose session the store no longer knows', async () => {
    const { accessToken } = await strict.signUp();
    const { sid } = decodeJwt(accessToken).payload as { sid: string };
    // As if Redis had lost it (an eviction, a failover before replication).
    await strict.server.redis?.client.del(redisKeys('jwtgate:').session(sid));
    const res = await strict.request({ method: 'GET', url: '/auth/me', token: accessToken });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_TOKEN_REVOKED');
  });

  it('fails closed with 503 when the session store cannot be asked, where the default keeps serving', async () => {
    const { accessToken } = await strict.signUp();
    await redis.stop();
    try {
      const refused = await strict.request({ method: 'GET', url: '/auth/me', token: accessToken });
      expect(refused.statusCode).toBe(503);
      expect(refused.json().error.code).toBe('ERR_STORE_UNAVAILABLE');
      // The lax instance verifies the same token against its in-process list (users are in SQLite).
      expect((await lax.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(200);
    } finally {
      await redis.restart();
    }
  });
});
