import { afterAll, beforeAll, expect, it } from 'vitest';
import { startInstancesSharingRedis } from '../support/instances-sharing-redis.js';
import { describeWithService } from '../support/services.js';
import { decodeJwt, type TestServer } from '../support/test-server.js';

describeWithService('redis')('every kind of revocation on one instance, seen by another through Redis', () => {
  let a: TestServer;
  let b: TestServer;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ a, b, close } = await startInstancesSharingRedis({
      JWTGATE_AUTH_MAX_SESSIONS: '2',
      JWTGATE_AUTH_REFRESH_GRACE: '0',
    }));
  });
  afterAll(() => close?.());

  /** Asserts that `b` refuses `token` within 100 ms of now. */
  async function expectRefusedOnB(token: string): Promise<void> {
    const since = performance.now();
    let res = await b.request({ method: 'GET', url: '/auth/me', token });
    while (res.statusCode === 200 && performance.now() - since < 2_000) {
      // inject() never waits for I/O: yield, or the notice on B's Redis socket is never read.
      await new Promise((resolve) => setTimeout(resolve, 1));
      res = await b.request({ method: 'GET', url: '/auth/me', token });
    }
    expect(res.json().error.code).toBe('ERR_TOKEN_REVOKED');
    expect(performance.now() - since).toBeLessThanOrEqual(100);
  }

  it('a device kicked from the session list', async () => {
    const { username, password, accessToken } = await a.signUp({ device: 'laptop' });
    const phone = await a.login(username, password, 'phone');
    expect((await b.request({ method: 'GET', url: '/auth/me', token: phone.accessToken })).statusCode).toBe(200);
    const sid = decodeJwt(phone.accessToken).payload.sid as string;
    expect((await a.request({ method: 'DELETE', url: `/auth/sessions/${sid}`, token: accessToken })).statusCode).toBe(
      204,
    );
    await expectRefusedOnB(phone.accessToken);
  });

  it('the oldest session evicted by a login beyond Auth.MaxSessions', async () => {
    const { username, password, accessToken: first } = await a.signUp();
    await a.login(username, password);
    expect((await b.request({ method: 'GET', url: '/auth/me', token: first })).statusCode).toBe(200);
    await a.login(username, password);
    await expectRefusedOnB(first);
  });

  it('a session ended by refresh-token reuse', async () => {
    const { accessToken, refreshToken } = await a.signUp();
    expect((await a.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } })).statusCode).toBe(200);
    const reused = await a.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
    expect(reused.json().error.code).toBe('ERR_REFRESH_TOKEN_REUSED');
    await expectRefusedOnB(accessToken);
  });

  it('every other session, on "log out the others"', async () => {
    const { username, password, accessToken: kept } = await a.signUp();
    const other = await a.login(username, password);
    expect(
      (await a.request({ method: 'POST', url: '/auth/logout', token: kept, body: { scope: 'others' } })).json(),
    ).toEqual({
      revoked: 1,
    });
    await expectRefusedOnB(other.accessToken);
    expect((await b.request({ method: 'GET', url: '/auth/me', token: kept })).statusCode).toBe(200);
  });
});
