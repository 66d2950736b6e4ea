import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databasePath, startTestServer, type TestServer } from '../support/test-server.js';

describe('when the database is locked by another process', () => {
  let t: TestServer;
  let locker: BetterSqlite3.Database | undefined;
  beforeEach(async () => {
    t = await startTestServer({ env: { JWTGATE_DATABASE_TIMEOUT: '100' } });
  });
  afterEach(async () => {
    locker?.close();
    locker = undefined;
    await t.close();
  });

  function lockDatabase() {
    locker = new BetterSqlite3(databasePath(t.dataDir));
    locker.exec('BEGIN EXCLUSIVE');
  }
  function unlockDatabase() {
    locker?.exec('ROLLBACK');
  }
  function expectUnavailable(res: {
    statusCode: number;
    json(): { error: { code: string } };
    headers: Record<string, unknown>;
  }) {
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(['1', '2', '3', '4', '5']).toContain(res.headers['retry-after']);
  }

  it('answers registration with 503 and creates nothing', async () => {
    lockDatabase();
    expectUnavailable(
      await t.request({
        method: 'POST',
        url: '/auth/register',
        body: { username: 'locked', password: 'a fine password' },
      }),
    );
    unlockDatabase();
    const res = await t.request({
      method: 'POST',
      url: '/auth/register',
      body: { username: 'locked', password: 'a fine password' },
    });
    expect(res.statusCode).toBe(201);
  });

  it('answers login with 503 and hands out no tokens', async () => {
    const { username, password } = await t.signUp();
    lockDatabase();
    const res = await t.request({ method: 'POST', url: '/auth/login', body: { username, password } });
    expectUnavailable(res);
    expect(res.body).not.toContain('accessToken');
  });

  it('answers refresh with 503 without burning the refresh token', async () => {
    const { refreshToken } = await t.signUp();
    lockDatabase();
    expectUnavailable(await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } }));
    unlockDatabase();
    t.clock.advance(60_000);
    const res = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
    expect(res.statusCode).toBe(200);
  });

  it('answers logout with 503 and reports no false success', async () => {
    const { accessToken } = await t.signUp();
    lockDatabase();
    expectUnavailable(await t.request({ method: 'POST', url: '/auth/logout', token: accessToken }));
    unlockDatabase();
    expect((await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(200);
    expect((await t.request({ method: 'POST', url: '/auth/logout', token: accessToken })).json()).toEqual({
      revoked: 1,
    });
  });
});

describe('when the database is gone', () => {
  it('answers 503 on every route that needs it, stays alive and in service, and reports the database down', async () => {
    const t = await startTestServer();
    try {
      const { accessToken, refreshToken, username, password } = await t.signUp();
      await t.server.database.close();
      for (const res of [
        await t.request({
          method: 'POST',
          url: '/auth/register',
          body: { username: 'after', password: 'a fine password' },
        }),
        await t.request({ method: 'POST', url: '/auth/login', body: { username, password } }),
        await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } }),
        await t.request({ method: 'GET', url: '/auth/me', token: accessToken }),
        await t.request({ method: 'GET', url: '/auth/sessions', token: accessToken }),
        await t.request({ method: 'POST', url: '/auth/logout', token: accessToken }),
      ]) {
        expect(res.statusCode).toBe(503);
        expect(res.json().error.code).toBe('ERR_STORE_UNAVAILABLE');
      }
      // Verifying access tokens needs no store: the instance stays in service and says what is down.
      const ready = await t.request({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      // A poll may have failed meanwhile (behindSeconds), well within Revocation.MaxFeedLag.
      expect(ready.json()).toMatchObject({
        status: 'ready',
        stores: { database: 'down' },
        revocationFeed: { state: 'polling' },
      });
      expect((await t.request({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('reports ready while the database answers', async () => {
    const t = await startTestServer();
    try {
      const res = await t.request({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ready', stores: { database: 'up' }, revocationFeed: { state: 'polling' } });
    } finally {
      await t.close();
    }
  });
});

describe('the Retry-After of a 503', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer({ env: { JWTGATE_DATABASE_TIMEOUT: '50' } });
  });
  afterEach(async () => {
    await t.close();
  });

  it('spreads clients over 1 to 5 seconds instead of sending them all back at the same second', async () => {
    const { accessToken } = await t.signUp();
    const locker = new BetterSqlite3(databasePath(t.dataDir));
    locker.exec('BEGIN EXCLUSIVE');
    const waits: number[] = [];
    try {
      for (let i = 0; i < 40; i++) {
        const res = await t.request({ method: 'POST', url: '/auth/logout', token: accessToken });
        expect(res.statusCode).toBe(503);
        waits.push(Number(res.headers['retry-after']));
      }
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    for (const wait of waits) {
      expect(Number.isInteger(wait)).toBe(true);
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(5);
    }
    // 40 draws from five values: all equal with odds of 5 in 5^40, and most of the range is used.
    expect(new Set(waits).size).toBeGreaterThanOrEqual(3);
  });
});
