import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromPage } from '../support/browser-requests.js';
import { codeFor, enrolTotp, passwordStep, verify } from '../support/mfa-steps.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('the mfaToken of a paused login', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  async function paused() {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    return { user, secret, mfaToken: await passwordStep(t, user.username, user.password) };
  }

  it('is no access token: every guarded route refuses it', async () => {
    const { mfaToken } = await paused();
    for (const url of ['/auth/me', '/auth/sessions', '/auth/mfa']) {
      for (const authorization of [`Bearer ${mfaToken}`, mfaToken]) {
        const res = await t.request({ method: 'GET', url, headers: { authorization } });
        expect(res.statusCode, url).toBe(401);
        expect(res.json().error.code).toBe('ERR_TOKEN_INVALID');
      }
    }
  });

  it('is no refresh token', async () => {
    const { mfaToken } = await paused();
    const res = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken: mfaToken } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_REFRESH_TOKEN_INVALID');
  });

  it('cannot stand in for a password or start a set-up', async () => {
    const { user, mfaToken } = await paused();
    const login = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: user.username, password: mfaToken },
    });
    expect(login.statusCode).toBe(401);
    const enrol = await t.request({ method: 'POST', url: '/auth/mfa/enrollment/totp', body: { mfaToken } });
    expect(enrol.statusCode).toBe(401);
    expect(enrol.json().error.code).toBe('ERR_MFA_TOKEN_INVALID');
  });

  it('finishes one login only', async () => {
    const { secret, mfaToken } = await paused();
    expect((await verify(t, mfaToken, codeFor(secret, t.clock.now()))).statusCode).toBe(200);
    t.clock.advance(30_000);
    const again = await verify(t, mfaToken, codeFor(secret, t.clock.now()));
    expect(again.statusCode).toBe(401);
    expect(again.json().error.code).toBe('ERR_MFA_TOKEN_INVALID');
  });

  it('survives a wrong code, so a typo does not cost the password again', async () => {
    const { secret, mfaToken } = await paused();
    expect((await verify(t, mfaToken, codeFor(secret, t.clock.now(), 4))).statusCode).toBe(401);
    expect((await verify(t, mfaToken, codeFor(secret, t.clock.now()))).statusCode).toBe(200);
  });

  it('expires after five minutes', async () => {
    const { secret, mfaToken } = await paused();
    t.clock.advance(5 * 60_000 + 1);
    const res = await verify(t, mfaToken, codeFor(secret, t.clock.now()));
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_MFA_TOKEN_INVALID');
  });

  it('is spent when presented from another network or browser, even with the right code', async () => {
    for (const elsewhere of [{ remoteAddress: '203.0.113.9' }, { headers: { 'user-agent': 'another browser' } }]) {
      const { secret, mfaToken } = await paused();
      const stolen = await t.server.app.inject({
        method: 'POST',
        url: '/auth/mfa/verify',
        ...elsewhere,
        headers: { 'content-type': 'application/json', ...elsewhere.headers },
        payload: JSON.stringify({ mfaToken, method: 'totp', code: codeFor(secret, t.clock.now()) }),
      });
      expect(stolen.statusCode).toBe(401);
      expect(stolen.json().error.code).toBe('ERR_MFA_TOKEN_INVALID');
      // Its owner cannot use it either now: the login starts over.
      const owner = await verify(t, mfaToken, codeFor(secret, t.clock.now()));
      expect(owner.json().error.code).toBe('ERR_MFA_TOKEN_INVALID');
    }
  });

  it('refuses anything that is not an mfaToken alike', async () => {
    for (const mfaToken of ['', 'jgm1_short', `jgm1_${'A'.repeat(43)}`, 'eyJhbGciOiJIUzI1NiJ9.e30.x']) {
      const res = await verify(t, mfaToken, '123456');
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('ERR_MFA_TOKEN_INVALID');
    }
  });

  it('keeps the device label and cookie mode the login asked for', async () => {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    const login = await t.request({
      method: 'POST',
      url: '/auth/login',
      headers: fromPage,
      body: { username: user.username, password: user.password, device: 'work laptop', cookie: true },
    });
    expect(login.statusCode, login.body).toBe(200);
    expect(login.headers['set-cookie']).toBeUndefined();
    const { mfaToken } = login.json();
    // Without the page's own headers the cookie is not handed out.
    const bare = await verify(t, mfaToken, codeFor(secret, t.clock.now()));
    expect(bare.statusCode).toBe(403);
    const res = await t.request({
      method: 'POST',
      url: '/auth/mfa/verify',
      headers: fromPage,
      body: { mfaToken, method: 'totp', code: codeFor(secret, t.clock.now()) },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().refreshToken).toBeUndefined();
    expect(String(res.headers['set-cookie'])).toMatch(/HttpOnly/);
    const sessions = await t.request({ method: 'GET', url: '/auth/sessions', token: res.json().accessToken });
    expect(sessions.json().sessions.find((s: { current: boolean }) => s.current).device).toBe('work laptop');
  });
});
