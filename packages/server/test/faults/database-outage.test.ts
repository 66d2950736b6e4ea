import { systemClock } from '@jwtgate/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { describeWithService } from '../support/services.js';
import { type CutMode, startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { expectReadyWithStoreDown, expectUnavailableWithin, timed, waitUntilReady } from './outage-checks.js';

const TIMEOUT_MS = 500;
/** The configured timeout, plus a generous margin for a loaded 2-core machine. */
const BOUND_MS = TIMEOUT_MS + 1_500;

for (const kind of ['postgres', 'mysql'] as const) {
  describeWithService(kind)(`when ${kind === 'postgres' ? 'PostgreSQL' : 'MariaDB'} becomes unreachable`, () => {
    let database: TestDatabase;
    let proxy: TcpProxy;
    let t: TestServer;
    beforeEach(async () => {
      database = await createTestDatabase(kind);
      // The shared server stays up; the proxy in front of it fails like a network would.
      const target = new URL(database.url);
      proxy = await startTcpProxy(Number(target.port));
      target.port = String(proxy.port);
      t = await startTestServer({
        clock: systemClock,
        env: { JWTGATE_DATABASE_URL: target.toString(), JWTGATE_DATABASE_TIMEOUT: String(TIMEOUT_MS) },
      });
    });
    afterEach(async () => {
      await t?.close();
      await proxy?.close();
      await database?.drop();
    });

    it.each<CutMode>(['refuse', 'black-hole'])(
      'answers 503 within the timeout (%s), spends no refresh token, and recovers without a restart',
      async (mode) => {
        const { username, password, accessToken, refreshToken } = await t.signUp();
        proxy.cut(mode);

        for (const request of [
          () =>
            t.request({
              method: 'POST',
              url: '/auth/register',
              body: { username: 'late', password: 'a fine password' },
            }),
          () => t.request({ method: 'POST', url: '/auth/login', body: { username, password } }),
          () => t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } }),
          () => t.request({ method: 'GET', url: '/auth/me', token: accessToken }),
          () => t.request({ method: 'POST', url: '/auth/logout', token: accessToken }),
        ]) {
          expectUnavailableWithin(await timed(request), BOUND_MS);
        }
        await expectReadyWithStoreDown(t, 'database');
        expect((await t.request({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

        proxy.restore();
        await waitUntilReady(t);
        const refreshed = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
        expect(refreshed.statusCode, refreshed.body).toBe(200);
        // Nothing the outage answered 503 to was half-done: the registration can happen now.
        const registered = await t.request({
          method: 'POST',
          url: '/auth/register',
          body: { username: 'late', password: 'a fine password' },
        });
        expect(registered.statusCode, registered.body).toBe(201);
        const logout = await t.request({ method: 'POST', url: '/auth/logout', token: refreshed.json().accessToken });
        expect(logout.json()).toEqual({ revoked: 1 });
      },
    );
  });
}
