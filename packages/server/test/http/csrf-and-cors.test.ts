import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlSessionStore } from '../../src/stores/sql/sql-session-store.js';
import { cookieLogin, fromPage, OWN_ORIGIN } from '../support/browser-requests.js';
import { decodeJwt, loadTestConfig, startTestServer, type TestServer } from '../support/test-server.js';

const APP_ORIGIN = 'https://app.example.com';
const EVIL_ORIGIN = 'https://evil.example';

/** Sends exactly these headers and this raw body, as a hostile page or form would. */
function raw(
  t: TestServer,
  method: 'GET' | 'HEAD' | 'POST' | 'DELETE' | 'OPTIONS' | 'PUT',
  url: string,
  headers: Record<string, string>,
  payload?: string,
): Promise<LightMyRequestResponse> {
  return t.server.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
}

describe('CSRF: state-changing requests the refresh cookie could authenticate', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { JWTGATE_CORS_ALLOWED_ORIGINS: APP_ORIGIN } });
  });
  afterAll(() => t.close());

  async function victim() {
    const login = await cookieLogin(t);
    const sid = decodeJwt(login.accessToken).payload.sid as string;
    const store = createSqlSessionStore(t.server.database.db);
    return {
      ...login,
      sid,
      /** The session as stored, to prove an attack changed nothing. */
      state: async () => {
        const s = await store.get(sid);
        return { generation: s?.generation, revokedAt: s?.revokedAt, lastUsedAt: s?.lastUsedAt };
      },
    };
  }

  function expectRefused(res: LightMyRequestResponse, code: string) {
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe(code);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  }

  const attacks: [string, Record<string, string>, string | undefined, string][] = [
    ['a forged Origin', { origin: EVIL_ORIGIN, 'x-jwtgate-csrf': '1' }, undefined, 'ERR_ORIGIN_NOT_ALLOWED'],
    [
      'the null Origin of a sandboxed frame',
      { origin: 'null', 'x-jwtgate-csrf': '1' },
      undefined,
      'ERR_ORIGIN_NOT_ALLOWED',
    ],
    ['no Origin at all', { 'x-jwtgate-csrf': '1' }, undefined, 'ERR_ORIGIN_NOT_ALLOWED'],
    ['a missing CSRF header', { origin: OWN_ORIGIN }, undefined, 'ERR_CSRF_HEADER_MISSING'],
    ['a wrong CSRF header', { origin: OWN_ORIGIN, 'x-jwtgate-csrf': 'yes' }, undefined, 'ERR_CSRF_HEADER_MISSING'],
    [
      'a cross-site form post',
      { origin: EVIL_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      'scope=all',
      'ERR_ORIGIN_NOT_ALLOWED',
    ],
    [
      'a cross-site text/plain post',
      { origin: EVIL_ORIGIN, 'content-type': 'text/plain' },
      '{"scope":"all"}',
      'ERR_ORIGIN_NOT_ALLOWED',
    ],
    [
      'a same-site text/plain post without the header',
      { origin: OWN_ORIGIN, 'content-type': 'text/plain' },
      '{"scope":"all"}',
      'ERR_CSRF_HEADER_MISSING',
    ],
  ];

  it.each(attacks)('refuses a refresh with %s, and rotates nothing', async (_name, headers, payload, code) => {
    const v = await victim();
    const before = await v.state();
    expectRefused(await raw(t, 'POST', '/auth/refresh', { ...headers, cookie: v.cookie }, payload), code);
    expect(await v.state()).toEqual(before);
  });

  it.each(attacks)('refuses a logout with %s, and ends no session', async (_name, headers, payload, code) => {
    const v = await victim();
    // The attacker's request carries the victim's expired token too: not even a silent refresh may happen.
    t.clock.advance(16 * 60_000);
    const res = await raw(
      t,
      'POST',
      '/auth/logout',
      { ...headers, cookie: v.cookie, authorization: `Bearer ${v.accessToken}` },
      payload,
    );
    expectRefused(res, code);
    expect(res.headers['x-access-token']).toBeUndefined();
    expect((await v.state()).revokedAt).toBeNull();
    expect((await v.state()).generation).toBe(0);
  });

  it.each(attacks)('refuses a session revocation with %s, and ends nothing', async (_name, headers, payload, code) => {
    const v = await victim();
    const res = await raw(
      t,
      'DELETE',
      `/auth/sessions/${v.sid}`,
      { ...headers, cookie: v.cookie, authorization: `Bearer ${v.accessToken}` },
      payload,
    );
    expectRefused(res, code);
    expect((await v.state()).revokedAt).toBeNull();
  });

  it('refuses a request from a foreign origin even without the cookie (login CSRF, forged sign-ups)', async () => {
    const { username, password, userId } = await t.signUp();
    const json = { 'content-type': 'application/json', origin: EVIL_ORIGIN };
    expectRefused(
      await raw(t, 'POST', '/auth/login', json, JSON.stringify({ username, password })),
      'ERR_ORIGIN_NOT_ALLOWED',
    );
    expectRefused(
      await raw(t, 'POST', '/auth/register', json, JSON.stringify({ username: 'planted', password: 'long enough pw' })),
      'ERR_ORIGIN_NOT_ALLOWED',
    );
    expect(await t.server.sessions.list(userId)).toHaveLength(1);
    expect(await t.server.users.findByUsernameKey('planted')).toBeNull();
  });

  it('accepts the page itself and an origin from Cors.AllowedOrigins', async () => {
    const v = await victim();
    const own = await raw(t, 'POST', '/auth/refresh', { ...fromPage, cookie: v.cookie });
    expect(own.statusCode).toBe(200);
    const cookie = `${v.cookie.split('=')[0]}=${String(own.headers['set-cookie']).split(';')[0]?.split('=')[1]}`;
    const app = await raw(t, 'POST', '/auth/refresh', { origin: APP_ORIGIN, 'x-jwtgate-csrf': '1', cookie });
    expect(app.statusCode).toBe(200);
    expect(app.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect((await v.state()).generation).toBe(2);
  });

  it('leaves API clients alone: no Origin, no cookie, no extra header needed', async () => {
    const { refreshToken, accessToken } = await t.signUp();
    const res = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
    expect(res.statusCode).toBe(200);
    const out = await t.request({ method: 'POST', url: '/auth/logout', token: res.json().accessToken });
    expect(out.json()).toEqual({ revoked: 1 });
    expect(accessToken).toBeTruthy();
  });

  it.each([
    ['GET', '/auth/refresh', 'POST'],
    ['HEAD', '/auth/refresh', 'POST'],
    ['GET', '/auth/logout', 'POST'],
    ['HEAD', '/auth/logout', 'POST'],
    ['GET', '/auth/login', 'POST'],
    ['PUT', '/auth/refresh', 'POST'],
    ['GET', '/auth/sessions/AAAAAAAAAAAAAAAAAAAAAA', 'DELETE'],
    ['HEAD', '/auth/sessions/AAAAAAAAAAAAAAAAAAAAAA', 'DELETE'],
  ] as const)('answers %s %s with 405 and Allow: %s, changing nothing', async (method, url, allow) => {
    const v = await victim();
    const path = url.replace('AAAAAAAAAAAAAAAAAAAAAA', v.sid);
    const before = await v.state();
    const res = await raw(t, method, path, { ...fromPage, cookie: v.cookie, authorization: `Bearer ${v.accessToken}` });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe(allow);
    if (method !== 'HEAD') expect(res.json().error.code).toBe('ERR_METHOD_NOT_ALLOWED');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await v.state()).toEqual(before);
  });
});

describe('CORS', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { JWTGATE_CORS_ALLOWED_ORIGINS: `${APP_ORIGIN}, http://localhost:5173` } });
  });
  afterAll(() => t.close());

  it('reflects an allowed origin with credentials and exposes the renewed-token and request-id headers', async () => {
    const res = await raw(t, 'GET', '/healthz', { origin: APP_ORIGIN });
    expect(res.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(String(res.headers['access-control-expose-headers']).split(', ')).toEqual([
      'X-Access-Token',
      'X-Refresh-After',
      'X-Request-Id',
    ]);
    expect(res.headers.vary).toBe('Origin');
  });

  it('keeps the CORS headers on error answers, so the page can read the error code', async () => {
    const res = await raw(t, 'GET', '/auth/me', { origin: APP_ORIGIN });
    expect(res.statusCode).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
  });

  it.each([
    ['an unknown origin', EVIL_ORIGIN],
    ['null', 'null'],
    ['a look-alike suffix', `${APP_ORIGIN}.evil.example`],
    ['another scheme', 'http://app.example.com'],
    ['another port', 'https://app.example.com:8443'],
    ['the wildcard', '*'],
  ])('never reflects %s, but still varies on Origin', async (_name, origin) => {
    const res = await raw(t, 'GET', '/healthz', { origin });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers.vary).toBe('Origin');
  });

  it('answers the preflight of an allowed origin with the methods and headers a page needs', async () => {
    const res = await raw(t, 'OPTIONS', '/auth/refresh', {
      origin: 'http://localhost:5173',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, x-jwtgate-csrf',
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('x-jwtgate-csrf');
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('x-request-id');
    expect(Number(res.headers['access-control-max-age'])).toBeGreaterThan(0);
    expect(String(res.headers.vary).split(', ')).toEqual([
      'Origin',
      'Access-Control-Request-Method',
      'Access-Control-Request-Headers',
    ]);
  });

  it.each([
    ['an unknown origin', { origin: EVIL_ORIGIN }],
    ['null', { origin: 'null' }],
    ['no origin', {}],
  ])('refuses the preflight of %s with 403 and no CORS header', async (_name, headers) => {
    const res = await raw(t, 'OPTIONS', '/auth/logout', {
      ...headers,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'x-jwtgate-csrf',
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('ERR_ORIGIN_NOT_ALLOWED');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });

  it.each([
    ['*', /never allowed with credentials/],
    ['null', /never allowed with credentials/],
    ['https://app.example.com/login', /is not an origin/],
    ['app.example.com', /is not an origin/],
    ['ftp://files.example.com', /is not an origin/],
  ])('refuses %s in Cors.AllowedOrigins at start-up', (value, message) => {
    expect(() => loadTestConfig({ JWTGATE_CORS_ALLOWED_ORIGINS: value })).toThrow(message);
  });

  it('normalises allowed origins as browsers write them', () => {
    const config = loadTestConfig({
      JWTGATE_CORS_ALLOWED_ORIGINS: 'HTTPS://App.Example.com:443/, http://localhost:5173',
    });
    expect(config.cors.allowedOrigins).toEqual([APP_ORIGIN, 'http://localhost:5173']);
  });
});
