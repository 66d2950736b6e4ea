import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtgateServer, type JwtgateServer } from '../../src/runtime/create-server.js';
import { createSqlSessionStore } from '../../src/stores/sql/sql-session-store.js';
import { COOKIE_NAME, cookieLogin, fromPage, injectCookieLogin, refreshCookieOf } from '../support/browser-requests.js';
import { signHmacJwt } from '../support/sign-token.js';
import { decodeJwt, startTestServer, TEST_ACCESS_SECRET, type TestServer } from '../support/test-server.js';

const ACCESS_LIFETIME_MS = 15 * 60_000;
const PAST_EXPIRY_MS = ACCESS_LIFETIME_MS + 6_000;

/** An embedder's own server (`Cookie.Path: /`), on a test server's configuration and clock. */
async function withEmbedder(run: (server: JwtgateServer, t: TestServer) => Promise<void>): Promise<void> {
  const t = await startTestServer({ env: { JWTGATE_COOKIE_PATH: '/' } });
  try {
    const server = await createJwtgateServer({ config: t.server.config, clock: t.clock, logger: false });
    try {
      await run(server, t);
    } finally {
      await server.close();
    }
  } finally {
    await t.close();
  }
}

/** A GET of an embedder's route once the access token has expired, with the refresh cookie. */
function getAfterExpiry(server: JwtgateServer, t: TestServer, url: string, accessToken: string, cookie: string) {
  t.clock.advance(PAST_EXPIRY_MS);
  return server.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${accessToken}`, cookie } });
}

describe('silent refresh on protected routes', () => {
  let t: TestServer;
  const store = () => createSqlSessionStore(t.server.database.db);
  const generationOf = async (accessToken: string) =>
    (await store().get(decodeJwt(accessToken).payload.sid as string))?.generation;
  const me = (accessToken: string, cookie?: string, headers: Record<string, string> = {}) =>
    t.request({
      method: 'GET',
      url: '/auth/me',
      token: accessToken,
      headers: { ...headers, ...(cookie === undefined ? {} : { cookie }) },
    });

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('renews an expired token with the cookie of its session, and the request goes on', async () => {
    const { accessToken, cookie, refreshToken } = await cookieLogin(t);
    t.clock.advance(PAST_EXPIRY_MS);
    const res = await me(accessToken, cookie);
    expect(res.statusCode).toBe(200);
    const renewed = res.headers['x-access-token'] as string;
    expect(renewed).toBeTruthy();
    expect(Number(res.headers['x-refresh-after'])).toBe((decodeJwt(renewed).payload.iat as number) + 450);
    // The handler ran with the renewed token's claims.
    expect(res.json().claims.jti).toBe(decodeJwt(renewed).payload.jti);
    expect(t.server.sessions.authenticate(renewed).sid).toBe(decodeJwt(accessToken).payload.sid);
    const next = refreshCookieOf(res);
    expect(next?.value).not.toBe(refreshToken);
    expect(next?.attributes).toMatchObject({ path: '/auth', httponly: true, secure: true, samesite: 'Strict' });
    expect(await generationOf(accessToken)).toBe(1);
    expect((await me(renewed)).statusCode).toBe(200);
  });

  it('leaves a live token alone: no rotation, no new token, no cookie', async () => {
    const { accessToken, cookie } = await cookieLogin(t);
    const res = await me(accessToken, cookie);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-access-token']).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await generationOf(accessToken)).toBe(0);
  });

  it('answers ERR_TOKEN_EXPIRED as before when there is no refresh cookie', async () => {
    const { accessToken } = await cookieLogin(t);
    t.clock.advance(PAST_EXPIRY_MS);
    const res = await me(accessToken);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_TOKEN_EXPIRED');
    expect(await generationOf(accessToken)).toBe(0);
  });

  it("never renews one session's token with another session's cookie", async () => {
    const mine = await cookieLogin(t);
    const theirs = await cookieLogin(t);
    const sameUserOtherDevice = await cookieLogin(t, { username: mine.username, password: mine.password });
    t.clock.advance(PAST_EXPIRY_MS);
    for (const cookie of [theirs.cookie, sameUserOtherDevice.cookie]) {
      const res = await me(mine.accessToken, cookie);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('ERR_TOKEN_EXPIRED');
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.headers['x-access-token']).toBeUndefined();
    }
    for (const session of [mine, theirs, sameUserOtherDevice]) expect(await generationOf(session.accessToken)).toBe(0);
  });

  it('renews only genuine tokens: a forged, mis-issued or wrong-audience expired token gets nothing', async () => {
    const { accessToken, cookie } = await cookieLogin(t);
    const { header, payload } = decodeJwt(accessToken);
    const forgeries = [
      signHmacJwt(header, payload, 'an-attacker-secret-0123456789abcdefghij'),
      signHmacJwt(header, { ...payload, iss: 'someone-else' }, TEST_ACCESS_SECRET),
      signHmacJwt(header, { ...payload, aud: 'another-service' }, TEST_ACCESS_SECRET),
      signHmacJwt({ ...header, typ: 'JWT' }, payload, TEST_ACCESS_SECRET),
      signHmacJwt({ ...header, alg: 'none' }, payload, TEST_ACCESS_SECRET),
      `${accessToken.split('.').slice(0, 2).join('.')}.`,
    ];
    t.clock.advance(PAST_EXPIRY_MS);
    for (const forged of forgeries) {
      const res = await me(forged, cookie);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('ERR_TOKEN_INVALID');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(await generationOf(accessToken)).toBe(0);
  });

  it('ends a revoked session on the spot: 401 and the cookie deleted', async () => {
    const { accessToken, cookie } = await cookieLogin(t);
    await t.request({ method: 'POST', url: '/auth/logout', token: accessToken });
    t.clock.advance(PAST_EXPIRY_MS);
    const res = await me(accessToken, cookie);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_SESSION_REVOKED');
    const cleared = refreshCookieOf(res);
    expect(cleared?.value).toBe('');
    expect(cleared?.attributes).toMatchObject({ 'max-age': '0', path: '/auth', httponly: true, secure: true });
  });

  it('follows the rules of /auth/refresh: concurrent requests share one rotation, a late replay is theft', async () => {
    const { accessToken, cookie } = await cookieLogin(t);
    t.clock.advance(PAST_EXPIRY_MS);
    const burst = await Promise.all([me(accessToken, cookie), me(accessToken, cookie), me(accessToken, cookie)]);
    expect(burst.map((res) => res.statusCode)).toEqual([200, 200, 200]);
    expect(new Set(burst.map((res) => refreshCookieOf(res)?.value)).size).toBe(1);
    expect(await generationOf(accessToken)).toBe(1);
    t.clock.advance(11_000);
    const replay = await me(accessToken, cookie);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('ERR_REFRESH_TOKEN_REUSED');
    expect(refreshCookieOf(replay)?.attributes['max-age']).toBe('0');
    const renewed = burst[0]?.headers['x-access-token'] as string;
    expect((await me(renewed)).json().error.code).toBe('ERR_TOKEN_REVOKED');
  });

  it('does not renew for a page on a foreign origin', async () => {
    const { accessToken, cookie } = await cookieLogin(t);
    t.clock.advance(PAST_EXPIRY_MS);
    for (const origin of ['https://evil.example', 'null']) {
      const res = await me(accessToken, cookie, { origin });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('ERR_TOKEN_EXPIRED');
    }
    expect(await generationOf(accessToken)).toBe(0);
    expect((await me(accessToken, cookie, fromPage)).statusCode).toBe(200);
  });

  it('keeps renewed tokens and cookies out of the logs', async () => {
    const lines: string[] = [];
    const server = await createJwtgateServer({
      config: t.server.config,
      devModeBanner: false,
      clock: t.clock,
      logger: {
        level: 'trace',
        stream: new Writable({
          write(chunk, _encoding, done) {
            lines.push(String(chunk));
            done();
          },
        }),
      },
    });
    try {
      const { login, cookie } = await injectCookieLogin(server.app, {
        username: 'silent-logs',
        password: 'correct horse battery',
      });
      t.clock.advance(PAST_EXPIRY_MS);
      const res = await server.app.inject({
        method: 'GET',
        url: '/auth/me',
        headers: { authorization: `Bearer ${login.json().accessToken}`, cookie },
      });
      expect(res.statusCode).toBe(200);
      const all = lines.join('');
      expect(lines.length).toBeGreaterThan(4);
      for (const secret of [
        login.json().accessToken,
        cookie.split('=')[1],
        res.headers['x-access-token'] as string,
        String(res.headers['set-cookie']).split(';')[0]?.split('=')[1],
      ]) {
        expect(all).not.toContain(secret);
      }
    } finally {
      await server.close();
    }
  });
});

describe('silent refresh on an embedder’s own routes', () => {
  it('works wherever the cookie is sent, with Cookie.Path: /', async () => {
    await withEmbedder(async (server, t) => {
      server.app.register(async (group) => {
        group.addHook('onRequest', group.requireAuth);
        group.get('/api/orders', async (request) => ({ owner: request.auth?.sub }));
      });
      const { userId, accessToken, cookie } = await injectCookieLogin(server.app, {
        username: 'embedded-silent',
        password: 'correct horse battery',
      });
      expect(cookie.startsWith('__Host-jwtgate_refresh=')).toBe(true);
      const res = await getAfterExpiry(server, t, '/api/orders', accessToken, cookie);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ owner: userId });
      expect(res.headers['x-access-token']).toBeTruthy();
    });
  });

  it('never lets an answer that carries renewed tokens be cached, whatever the route said', async () => {
    await withEmbedder(async (server, t) => {
      // An embedder's route whose content is the same for every signed-in user, so it lets caches keep it.
      server.app.get('/api/catalog', { config: { auth: true } }, async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=300');
        return { items: ['a', 'b'] };
      });
      const { accessToken, cookie } = await injectCookieLogin(server.app, {
        username: 'embedded-cached',
        password: 'correct horse battery',
      });
      const live = await server.app.inject({
        method: 'GET',
        url: '/api/catalog',
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(live.headers['cache-control']).toBe('public, max-age=300');
      const renewed = await getAfterExpiry(server, t, '/api/catalog', accessToken, cookie);
      expect(renewed.statusCode).toBe(200);
      expect(renewed.headers['x-access-token']).toBeTruthy();
      expect(refreshCookieOf(renewed, '__Host-jwtgate_refresh')?.value).toMatch(/^jgr1_/);
      // A shared cache may store a `public` answer to a request with Authorization (RFC 9111 §3.5),
      // and would hand this user's new tokens to the next one.
      expect(renewed.headers['cache-control']).toBe('no-store');
    });
  });

  it('is off with cookie mode off: an expired token is just expired', async () => {
    const t = await startTestServer({ env: { JWTGATE_COOKIE_MODE: 'off', JWTGATE_WEB_ENABLED: 'false' } });
    try {
      const { accessToken, refreshToken } = await t.signUp();
      t.clock.advance(PAST_EXPIRY_MS);
      const res = await t.request({
        method: 'GET',
        url: '/auth/me',
        token: accessToken,
        headers: { cookie: `${COOKIE_NAME}=${refreshToken}` },
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('ERR_TOKEN_EXPIRED');
    } finally {
      await t.close();
    }
  });
});
