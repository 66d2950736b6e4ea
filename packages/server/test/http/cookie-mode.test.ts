import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlSessionStore } from '../../src/stores/sql/sql-session-store.js';
import {
  COOKIE_NAME,
  cookieLogin,
  fromPage,
  OWN_ORIGIN,
  refreshCookieOf,
  type SetCookie,
} from '../support/browser-requests.js';
import { decodeJwt, loadTestConfig, startTestServer, type TestServer } from '../support/test-server.js';

function sessionOf(t: TestServer, accessToken: string) {
  return createSqlSessionStore(t.server.database.db).get(decodeJwt(accessToken).payload.sid as string);
}

/** The attributes every refresh cookie must have, set or cleared. */
function expectRefreshCookieAttributes(cookie: SetCookie | undefined, maxAge: string | 'positive') {
  expect(cookie?.name).toBe(COOKIE_NAME);
  expect(cookie?.attributes).toMatchObject({ path: '/auth', httponly: true, secure: true, samesite: 'Strict' });
  expect(cookie?.attributes.domain).toBeUndefined();
  if (maxAge === 'positive') expect(Number(cookie?.attributes['max-age'])).toBeGreaterThan(0);
  else expect(cookie?.attributes['max-age']).toBe(maxAge);
}

describe('cookie mode: login', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('puts the refresh token in a secure HttpOnly cookie on the narrowest path, and not in the body', async () => {
    const { response, refreshToken, accessToken } = await cookieLogin(t);
    expect(response.json()).not.toHaveProperty('refreshToken');
    expect(Object.keys(response.json()).sort()).toEqual(['accessToken', 'expiresIn', 'refreshAfter', 'tokenType']);
    const cookie = refreshCookieOf(response);
    expectRefreshCookieAttributes(cookie, String(7 * 86_400));
    expect(refreshToken).toMatch(/^jgr1_/);
    expect(response.body).not.toContain(refreshToken);
    expect(t.server.sessions.refreshTokens.parse(refreshToken)?.sessionId).toBe(decodeJwt(accessToken).payload.sid);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('keeps API clients as they were: no cookie unless asked for, the refresh token in the body', async () => {
    const { username, password } = await t.signUp();
    const res = await t.request({ method: 'POST', url: '/auth/login', body: { username, password } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.json().refreshToken).toMatch(/^jgr1_/);
  });

  it('refuses a cookie-mode login without an Origin or without the CSRF header, before checking the password', async () => {
    const { username, password, userId } = await t.signUp();
    const before = await t.server.sessions.list(userId);
    for (const [headers, code] of [
      [{ 'x-jwtgate-csrf': '1' }, 'ERR_ORIGIN_NOT_ALLOWED'],
      [{ origin: OWN_ORIGIN }, 'ERR_CSRF_HEADER_MISSING'],
      [{ origin: 'https://evil.example', 'x-jwtgate-csrf': '1' }, 'ERR_ORIGIN_NOT_ALLOWED'],
    ] as const) {
      const res = await t.request({
        method: 'POST',
        url: '/auth/login',
        body: { username, password: `${password} but wrong`, cookie: true },
        headers,
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe(code);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(await t.server.sessions.list(userId)).toHaveLength(before.length);
  });

  it('answers a wrong password in cookie mode like any other, and sets no cookie', async () => {
    const { username } = await t.signUp();
    const res = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username, password: 'not the password', cookie: true },
      headers: fromPage,
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_INVALID_CREDENTIALS');
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('cookie mode: refresh from the cookie', () => {
  let t: TestServer;
  const refresh = (cookie: string, headers: Record<string, string> = fromPage) =>
    t.request({ method: 'POST', url: '/auth/refresh', headers: { ...headers, cookie } });
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('rotates the cookie and answers a new access token without a refresh token in the body', async () => {
    const { cookie, accessToken, refreshToken } = await cookieLogin(t);
    const res = await refresh(cookie);
    expect(res.statusCode).toBe(200);
    expect(res.json()).not.toHaveProperty('refreshToken');
    const next = refreshCookieOf(res);
    expectRefreshCookieAttributes(next, 'positive');
    expect(next?.value).not.toBe(refreshToken);
    expect((await sessionOf(t, accessToken))?.generation).toBe(1);
    expect((await t.request({ method: 'GET', url: '/auth/me', token: res.json().accessToken })).statusCode).toBe(200);
  });

  it('follows the same grace and reuse rules as a refresh token in the body', async () => {
    const { cookie, accessToken } = await cookieLogin(t);
    const first = refreshCookieOf(await refresh(cookie));
    t.clock.advance(5_000);
    const replay = await refresh(cookie);
    expect(replay.statusCode).toBe(200);
    expect(refreshCookieOf(replay)?.value).toBe(first?.value);
    expect((await sessionOf(t, accessToken))?.generation).toBe(1);
    t.clock.advance(10_000);
    const theft = await refresh(cookie);
    expect(theft.statusCode).toBe(401);
    expect(theft.json().error.code).toBe('ERR_REFRESH_TOKEN_REUSED');
    expectRefreshCookieAttributes(refreshCookieOf(theft), '0');
    expect(refreshCookieOf(theft)?.value).toBe('');
    expect((await sessionOf(t, accessToken))?.revokeReason).toBe('refresh-token-reuse');
  });

  it('deletes a cookie that can never work again, with the very attributes it was set with', async () => {
    const { cookie, accessToken } = await cookieLogin(t);
    await t.request({ method: 'POST', url: '/auth/logout', token: accessToken });
    const revoked = await refresh(cookie);
    expect(revoked.json().error.code).toBe('ERR_SESSION_REVOKED');
    expectRefreshCookieAttributes(refreshCookieOf(revoked), '0');
    const forged = await refresh(`${COOKIE_NAME}=jgr1_${'A'.repeat(91)}`);
    expect(forged.json().error.code).toBe('ERR_REFRESH_TOKEN_INVALID');
    expectRefreshCookieAttributes(refreshCookieOf(forged), '0');
  });

  it('answers ERR_REFRESH_TOKEN_MISSING when there is neither a body token nor a cookie', async () => {
    for (const body of [undefined, {}]) {
      const res = await t.request({
        method: 'POST',
        url: '/auth/refresh',
        headers: fromPage,
        ...(body ? { body } : {}),
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('ERR_REFRESH_TOKEN_MISSING');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses two cookies of the same name rather than guess which one is ours, and rotates neither', async () => {
    const a = await cookieLogin(t);
    const b = await cookieLogin(t);
    const res = await refresh(`${a.cookie}; ${b.cookie}`);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_REFRESH_TOKEN_INVALID');
    // Neither is deleted: a deletion could only reach ours and would leave a planted one in charge.
    expect(res.headers['set-cookie']).toBeUndefined();
    expect((await sessionOf(t, a.accessToken))?.generation).toBe(0);
    expect((await sessionOf(t, b.accessToken))?.generation).toBe(0);
  });

  it('prefers a refresh token in the body, for API clients that also hold a stray cookie', async () => {
    const api = await t.signUp();
    const web = await cookieLogin(t);
    const res = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: api.refreshToken },
      headers: { ...fromPage, cookie: web.cookie },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().refreshToken).toMatch(/^jgr1_/);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect((await sessionOf(t, web.accessToken))?.generation).toBe(0);
  });
});

describe('cookie mode: logout and revocation delete the cookie', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  const logout = (accessToken: string, cookie: string, scope?: string) =>
    t.request({
      method: 'POST',
      url: '/auth/logout',
      token: accessToken,
      headers: { ...fromPage, cookie },
      ...(scope ? { body: { scope } } : {}),
    });

  it('on "this device" and "everywhere", but not on "everywhere else"', async () => {
    const here = await cookieLogin(t);
    const elsewhere = await cookieLogin(t, { username: here.username, password: here.password });
    const others = await logout(here.accessToken, here.cookie, 'others');
    expect(others.json()).toEqual({ revoked: 1 });
    expect(others.headers['set-cookie']).toBeUndefined();
    expect((await sessionOf(t, elsewhere.accessToken))?.revokedAt).not.toBeNull();

    const current = await logout(here.accessToken, here.cookie);
    expect(current.json()).toEqual({ revoked: 1 });
    expectRefreshCookieAttributes(refreshCookieOf(current), '0');

    const again = await cookieLogin(t, { username: here.username, password: here.password });
    const all = await logout(again.accessToken, again.cookie, 'all');
    expect(all.statusCode).toBe(200);
    expectRefreshCookieAttributes(refreshCookieOf(all), '0');
  });

  it('leaves a cookie of another session alone when logging out this one', async () => {
    const tab = await cookieLogin(t);
    const newer = await cookieLogin(t, { username: tab.username, password: tab.password });
    const res = await logout(tab.accessToken, newer.cookie);
    expect(res.json()).toEqual({ revoked: 1 });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('when this browser ends its own session from the list, and not when it ends another', async () => {
    const here = await cookieLogin(t);
    const phone = await cookieLogin(t, { username: here.username, password: here.password });
    const kick = (id: string) =>
      t.request({
        method: 'DELETE',
        url: `/auth/sessions/${id}`,
        token: here.accessToken,
        headers: { ...fromPage, cookie: here.cookie },
      });
    const other = await kick(decodeJwt(phone.accessToken).payload.sid as string);
    expect(other.statusCode).toBe(204);
    expect(other.headers['set-cookie']).toBeUndefined();
    const own = await kick(decodeJwt(here.accessToken).payload.sid as string);
    expect(own.statusCode).toBe(204);
    expectRefreshCookieAttributes(refreshCookieOf(own), '0');
  });
});

describe('cookie settings', () => {
  async function withEnv(env: Record<string, string>, run: (t: TestServer) => Promise<void>) {
    const t = await startTestServer({ env });
    try {
      await run(t);
    } finally {
      await t.close();
    }
  }

  it('uses the __Host- prefix when the cookie covers the whole site', async () => {
    await withEnv({ JWTGATE_COOKIE_PATH: '/', JWTGATE_COOKIE_SAME_SITE: 'Lax' }, async (t) => {
      const { response } = await cookieLogin(t, { cookieName: '__Host-jwtgate_refresh' });
      const cookie = refreshCookieOf(response, '__Host-jwtgate_refresh');
      expect(cookie?.attributes).toMatchObject({ path: '/', secure: true, httponly: true, samesite: 'Lax' });
    });
  });

  it('drops Secure and its prefix only when told to, in development mode', async () => {
    await withEnv({ JWTGATE_COOKIE_SECURE: 'false', JWTGATE_COOKIE_NAME: 'rt' }, async (t) => {
      const { response } = await cookieLogin(t, { cookieName: 'rt' });
      const cookie = refreshCookieOf(response, 'rt');
      expect(cookie?.attributes.secure).toBeUndefined();
      expect(cookie?.attributes).toMatchObject({ path: '/auth', httponly: true, samesite: 'Strict' });
    });
  });

  it('refuses plain-HTTP cookies in production, naming the setting', () => {
    expect(() => loadTestConfig({ NODE_ENV: 'production', JWTGATE_COOKIE_SECURE: 'false' })).toThrow(
      /Cookie\.Secure: must be true in production/,
    );
  });

  it('turns cookie mode off entirely: no cookie is set or read', async () => {
    await withEnv({ JWTGATE_COOKIE_MODE: 'off', JWTGATE_WEB_ENABLED: 'false' }, async (t) => {
      const { username, password } = await t.signUp();
      const res = await t.request({
        method: 'POST',
        url: '/auth/login',
        body: { username, password, cookie: true },
        headers: fromPage,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('ERR_COOKIE_MODE_DISABLED');
      const refresh = await t.request({
        method: 'POST',
        url: '/auth/refresh',
        headers: { ...fromPage, cookie: `${COOKIE_NAME}=jgr1_x` },
      });
      expect(refresh.json().error.code).toBe('ERR_REFRESH_TOKEN_MISSING');
    });
  });
});
