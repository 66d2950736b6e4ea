import { systemClock } from '@jwtgate/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type RedisServerProcess, startRedisServer } from '../support/redis-servers.js';
import { uniqueName } from '../support/services.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { describeWithTool } from '../support/tools.js';
import { expectReadyWithStoreDown, expectUnavailableWithin, timed, waitUntilReady } from './outage-checks.js';

// These tests start redis-server processes of their own.
const describeWithOwnRedis = describeWithTool('redis-server');

const TIMEOUT_MS = 500;
/** The configured timeout, plus a generous margin for a loaded 2-core machine. */
const BOUND_MS = TIMEOUT_MS + 1_500;

describeWithOwnRedis('when Redis, where sessions live, goes away', () => {
  let redis: RedisServerProcess;
  let t: TestServer;
  beforeEach(async () => {
    // A Redis of the test's own, persisted to disk, so the test can stop it and bring it back with its data.
    redis = await startRedisServer({ persistent: true });
    t = await startTestServer({
      clock: systemClock,
      env: {
        JWTGATE_REDIS_URL: redis.url,
        JWTGATE_REDIS_TIMEOUT: String(TIMEOUT_MS),
        JWTGATE_REDIS_KEY_PREFIX: `${uniqueName('jwtgate_t')}:`,
      },
    });
  });
  afterEach(async () => {
    await t?.close();
    await redis?.dispose();
  });

  it('answers 503 within the timeout while Redis is stopped, spends no refresh token, and recovers once it is back', async () => {
    const { username, password, accessToken, refreshToken } = await t.signUp();
    await redis.stop();

    for (const request of [
      () => t.request({ method: 'POST', url: '/auth/login', body: { username, password } }),
      () => t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } }),
      () => t.request({ method: 'POST', url: '/auth/logout', token: accessToken }),
      () => t.request({ method: 'GET', url: '/auth/sessions', token: accessToken }),
    ]) {
      expectUnavailableWithin(await timed(request), BOUND_MS);
    }
    // Nobody can revoke anything while Redis is down: the instance keeps verifying tokens.
    await expectReadyWithStoreDown(t, 'redis');
    // Verifying an access token needs no store, so protected routes that need only the user still work.
    expect((await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    await redis.restart();
    await waitUntilReady(t);
    const refreshed = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const { accessToken: next } = refreshed.json();
    expect((await t.request({ method: 'POST', url: '/auth/logout', token: next })).json()).toEqual({ revoked: 1 });
    expect((await t.request({ method: 'GET', url: '/auth/me', token: next })).json().error.code).toBe(
      'ERR_TOKEN_REVOKED',
    );
  });

  it('answers 503 within the timeout while Redis hangs, and carries on when it answers again', async () => {
    const { username, password, refreshToken } = await t.signUp();
    redis.freeze();
    try {
      expectUnavailableWithin(
        await timed(() => t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } })),
        BOUND_MS,
      );
      expectUnavailableWithin(
        await timed(() => t.request({ method: 'POST', url: '/auth/login', body: { username, password } })),
        BOUND_MS,
      );
      await expectReadyWithStoreDown(t, 'redis');
    } finally {
      redis.thaw();
    }
    await waitUntilReady(t);
    const refreshed = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
  });

  it('ends the sessions of a user disabled or given another role when the administrator retries after a 503', async () => {
    const admin = await t.signUp();
    await t.server.users.update(admin.userId, { role: 'admin', updatedAt: Date.now() });
    const { accessToken: adminToken } = await t.login(admin.username, admin.password);
    const disabled = await t.signUp();
    const demoted = await t.signUp();
    const change = (userId: string, body: { disabled: true } | { role: string }) =>
      'role' in body
        ? t.request({ method: 'PATCH', url: `/admin/users/${userId}`, token: adminToken, body })
        : t.request({ method: 'POST', url: `/admin/users/${userId}/disable`, token: adminToken });

    // The users live in the database, which is up; their sessions in Redis, which is not.
    await redis.stop();
    expectUnavailableWithin(await timed(() => change(disabled.userId, { disabled: true })), BOUND_MS);
    expectUnavailableWithin(await timed(() => change(demoted.userId, { role: 'support' })), BOUND_MS);
    await redis.restart();
    await waitUntilReady(t);

    // The administrator retries the very same requests, as the 503 asks.
    for (const [account, body] of [
      [disabled, { disabled: true }],
      [demoted, { role: 'support' }],
    ] as const) {
      const retried = await change(account.userId, body);
      expect(retried.statusCode, retried.body).toBe(200);
      expect(retried.json().revokedSessions).toBe(1);
      const sessions = await t.request({ method: 'GET', url: '/auth/sessions', token: account.accessToken });
      expect(sessions.json().error?.code).toBe('ERR_TOKEN_REVOKED');
    }
  });

  it('catches up on revocations announced while it was cut off from Redis', async () => {
    // This instance reaches Redis through a proxy the test can cut; the other one directly.
    const proxy = await startTcpProxy(redis.port);
    const env = {
      JWTGATE_REDIS_TIMEOUT: String(TIMEOUT_MS),
      JWTGATE_REDIS_KEY_PREFIX: t.server.config.redis?.keyPrefix ?? '',
      JWTGATE_DATA_DIR: t.dataDir,
    };
    const cutOff = await startTestServer({
      clock: systemClock,
      // Not ready as soon as its feed is down, even though Redis does not answer it either.
      env: { ...env, JWTGATE_REDIS_URL: `redis://127.0.0.1:${proxy.port}`, JWTGATE_REVOCATION_MAX_FEED_LAG: '0' },
    });
    try {
      const { accessToken } = await t.signUp();
      expect((await cutOff.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(200);

      proxy.cut('refuse');
      const logout = await t.request({ method: 'POST', url: '/auth/logout', token: accessToken });
      expect(logout.json()).toEqual({ revoked: 1 });
      // The notice went out while the cut-off instance could not hear it, and it says so.
      expect((await cutOff.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(200);
      expect((await cutOff.request({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);

      proxy.restore();
      await waitUntilReady(cutOff);
      // Ready means subscribed again and caught up from the revocation log: the token is refused at once.
      const me = await cutOff.request({ method: 'GET', url: '/auth/me', token: accessToken });
      expect(me.json().error.code).toBe('ERR_TOKEN_REVOKED');
    } finally {
      await cutOff.close();
      await proxy.close();
    }
  });
});
