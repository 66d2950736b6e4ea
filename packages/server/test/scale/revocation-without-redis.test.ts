import { systemClock } from '@jwtgate/core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { describeWithService } from '../support/services.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describeWithService('postgres')('instances that share only PostgreSQL', () => {
  let database: TestDatabase;
  const started: TestServer[] = [];
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function instance(env: Record<string, string>): Promise<TestServer> {
    const t = await startTestServer({ clock: systemClock, env: { JWTGATE_DATABASE_URL: database.url, ...env } });
    started.push(t);
    return t;
  }

  it('hear of a logout made on another instance within the poll interval', async () => {
    const a = await instance({ JWTGATE_REVOCATION_POLL_INTERVAL: '200' });
    const b = await instance({ JWTGATE_REVOCATION_POLL_INTERVAL: '200' });
    const { accessToken } = await a.signUp();
    expect((await b.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(200);

    expect((await a.request({ method: 'POST', url: '/auth/logout', token: accessToken })).json()).toEqual({
      revoked: 1,
    });
    const loggedOutAt = performance.now();
    let res = await b.request({ method: 'GET', url: '/auth/me', token: accessToken });
    while (res.statusCode === 200 && performance.now() - loggedOutAt < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      res = await b.request({ method: 'GET', url: '/auth/me', token: accessToken });
    }
    expect(res.json().error.code).toBe('ERR_TOKEN_REVOKED');
    // One interval, plus a read and a margin for a loaded machine.
    expect(performance.now() - loggedOutAt).toBeLessThan(200 + 1_000);
  });

  it('with strict revocation, refuse a logout made elsewhere at once, even with polling off', async () => {
    const a = await instance({ JWTGATE_REVOCATION_POLL_INTERVAL: '0' });
    const strict = await instance({ JWTGATE_REVOCATION_POLL_INTERVAL: '0', JWTGATE_REVOCATION_STRICT: 'true' });
    const lax = await instance({ JWTGATE_REVOCATION_POLL_INTERVAL: '0' });
    const { accessToken } = await a.signUp();
    expect((await strict.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(200);

    await a.request({ method: 'POST', url: '/auth/logout', token: accessToken });
    const refused = await strict.request({ method: 'GET', url: '/auth/me', token: accessToken });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('ERR_TOKEN_REVOKED');
    expect(refused.headers['www-authenticate']).toContain('error="invalid_token"');
    // What polling and strict mode are for: an instance with neither has not heard of it.
    expect((await lax.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(200);
  });
});
