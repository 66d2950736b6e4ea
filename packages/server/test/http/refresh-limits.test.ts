import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieLogin, fromPage } from '../support/browser-requests.js';
import { captureLog, type LogCapture } from '../support/log-capture.js';
import { postFrom } from '../support/post-from.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const PAST_EXPIRY_MS = 15 * 60_000 + 6_000;

describe('refresh limits', () => {
  let t: TestServer;
  let log: LogCapture;
  beforeAll(async () => {
    log = captureLog();
    t = await startTestServer({
      env: {
        JWTGATE_REFRESH_MAX_FAILURES_PER_IP: '3',
        JWTGATE_REFRESH_FAILURE_WINDOW: '600',
        JWTGATE_REFRESH_MAX_PER_SESSION: '4',
        JWTGATE_REFRESH_SESSION_WINDOW: '300',
      },
      logger: { level: 'info', stream: log.stream },
    });
  });
  afterAll(() => t.close());

  const refresh = (refreshToken: string, address = '198.51.100.1') =>
    postFrom(t, '/auth/refresh', { refreshToken }, address);

  it('refuses an address that keeps presenting junk, until the window ends', async () => {
    const address = '198.51.100.40';
    const junk = ['jgr1_junk', 'not a token', `jgr1_${'A'.repeat(90)}`];
    for (const token of junk) expect((await refresh(token, address)).statusCode).toBe(401);
    const { refreshToken } = await t.signUp();
    const blocked = await refresh(refreshToken, address);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('ERR_RATE_LIMITED');
    expect(blocked.headers['retry-after']).toBe('600');
    // Refused before it was tried: the token is still good, from elsewhere or later.
    expect((await refresh(refreshToken, '198.51.100.41')).statusCode).toBe(200);
    t.clock.advance(600_000);
    expect((await refresh('jgr1_junk', address)).statusCode).toBe(401);
  });

  it('does not count good refreshes against the address', async () => {
    const address = '198.51.100.42';
    let { refreshToken } = await t.signUp();
    for (let i = 0; i < 4; i++) {
      const res = await refresh(refreshToken, address);
      expect(res.statusCode).toBe(200);
      refreshToken = res.json().refreshToken;
    }
  });

  it('refuses a session refreshed too often, raises the warning event once, and lets it go on after the window', async () => {
    const { refreshToken: first } = await t.signUp();
    let refreshToken = first;
    for (let i = 0; i < 4; i++) {
      const res = await refresh(refreshToken);
      expect(res.statusCode).toBe(200);
      refreshToken = res.json().refreshToken;
    }
    t.clock.advance(60_000);
    for (const address of ['198.51.100.43', '198.51.100.44', '198.51.100.45']) {
      const blocked = await refresh(refreshToken, address);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.headers['retry-after']).toBe('240');
    }
    const warnings = log.audit('session.refresh-rate-exceeded');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, ip: '198.51.100.43', retryAfterSec: 240 });
    expect(JSON.stringify(warnings[0])).not.toContain(refreshToken);
    t.clock.advance(240_000);
    expect((await refresh(refreshToken)).statusCode).toBe(200);
  });

  it("does not let forged tokens naming a real session spend that session's allowance", async () => {
    const { refreshToken } = await t.signUp();
    // Same session id and generation, another MAC: what anyone who learnt the session id could send.
    const bytes = Buffer.from(refreshToken.slice('jgr1_'.length), 'base64url');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    const forged = `jgr1_${bytes.toString('base64url')}`;
    for (let i = 0; i < 8; i++) {
      expect((await refresh(forged, `192.0.2.${70 + i}`)).json().error.code).toBe('ERR_REFRESH_TOKEN_INVALID');
    }
    expect((await refresh(refreshToken, '192.0.2.90')).statusCode).toBe(200);
  });

  it('counts silent refreshes and /auth/refresh against the same session', async () => {
    const { accessToken, cookie } = await cookieLogin(t);
    t.clock.advance(PAST_EXPIRY_MS);
    const renewed = await t.request({ method: 'GET', url: '/auth/me', token: accessToken, headers: { cookie } });
    expect(renewed.statusCode).toBe(200);
    let current = String(renewed.headers['set-cookie']).split(';')[0] as string;
    for (let i = 0; i < 3; i++) {
      const res = await t.request({ method: 'POST', url: '/auth/refresh', headers: { ...fromPage, cookie: current } });
      expect(res.statusCode).toBe(200);
      current = String(res.headers['set-cookie']).split(';')[0] as string;
    }
    // The first access token is still expired and of this session: the fifth refresh, a silent one.
    const blocked = await t.request({
      method: 'GET',
      url: '/auth/me',
      token: accessToken,
      headers: { cookie: current },
    });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('ERR_RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // The cookie still works: nothing was spent.
    expect(blocked.headers['set-cookie']).toBeUndefined();
  });

  it('counts refused silent refreshes against the address', async () => {
    const address = '198.51.100.46';
    const { accessToken, cookie } = await cookieLogin(t);
    await t.request({ method: 'POST', url: '/auth/logout', token: accessToken });
    t.clock.advance(PAST_EXPIRY_MS);
    const me = () =>
      t.server.app.inject({
        method: 'GET',
        url: '/auth/me',
        remoteAddress: address,
        headers: { authorization: `Bearer ${accessToken}`, cookie },
      });
    for (let i = 0; i < 3; i++) expect((await me()).json().error.code).toBe('ERR_SESSION_REVOKED');
    const blocked = await me();
    expect(blocked.statusCode).toBe(429);
  });
});
