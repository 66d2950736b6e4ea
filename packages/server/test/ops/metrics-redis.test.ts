import { systemClock } from '@jwtgate/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ListeningServer, startListeningServer } from '../support/listening-server.js';
import { describeWithService, serviceUrl, uniqueName } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

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
