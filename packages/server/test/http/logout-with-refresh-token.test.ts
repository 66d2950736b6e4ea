import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('POST /auth/logout with a refresh token as proof', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  /** Past the access token's life (and the clock leeway), well within the refresh token's. */
  const expireAccessTokens = () =>
    t.clock.advance((t.server.config.auth.accessExpire + t.server.config.auth.clockLeeway + 1) * 1000);
  const logout = (body: unknown, token?: string) =>
    t.request({ method: 'POST', url: '/auth/logout', body, ...(token === undefined ? {} : { token }) });
  const refresh = (refreshToken: string) => t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });

  it('ends the session of the refresh token when the access token has expired', async () => {
    const user = await t.signUp();
    const other = await t.login(user.username, user.password, 'other device');
    expireAccessTokens();
    const res = await logout({ refreshToken: user.refreshToken }, user.accessToken);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ revoked: 1 });
    const refused = await refresh(user.refreshToken);
    expect(refused.json().error.code).toBe('ERR_SESSION_REVOKED');
    // Only that session: the other device goes on.
    expect((await refresh(other.refreshToken)).statusCode).toBe(200);
  });

  it('works with no access token at all, and a second time ends nothing', async () => {
    const user = await t.signUp();
    expect((await logout({ refreshToken: user.refreshToken })).json()).toEqual({ revoked: 1 });
    expect((await logout({ refreshToken: user.refreshToken })).json()).toEqual({ revoked: 0 });
    expect((await t.request({ method: 'GET', url: '/auth/me', token: user.accessToken })).statusCode).toBe(401);
  });

  it('refuses a forged refresh token and ends nothing', async () => {
    const user = await t.signUp();
    const last = user.refreshToken.at(-2) === 'A' ? 'B' : 'A';
    const forged = `${user.refreshToken.slice(0, -2)}${last}${user.refreshToken.at(-1)}`;
    const res = await logout({ refreshToken: forged });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_REFRESH_TOKEN_INVALID');
    expect((await refresh(user.refreshToken)).statusCode).toBe(200);
  });

  it('answers as before without a refresh token, and reaches no other session than its own', async () => {
    const user = await t.signUp();
    const other = await t.login(user.username, user.password, 'other device');
    expireAccessTokens();
    const expired = await logout({}, user.accessToken);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('ERR_TOKEN_EXPIRED');
    for (const scope of ['others', 'all']) {
      const res = await logout({ scope, refreshToken: user.refreshToken }, user.accessToken);
      expect(res.statusCode, scope).toBe(401);
      expect(res.json().error.code).toBe('ERR_TOKEN_EXPIRED');
    }
    expect((await refresh(other.refreshToken)).statusCode).toBe(200);
  });

  it('lets a valid access token decide, whatever refresh token comes with it', async () => {
    const user = await t.signUp();
    const other = await t.login(user.username, user.password, 'other device');
    const res = await logout({ refreshToken: other.refreshToken }, user.accessToken);
    expect(res.json()).toEqual({ revoked: 1 });
    expect((await refresh(user.refreshToken)).json().error.code).toBe('ERR_SESSION_REVOKED');
    expect((await refresh(other.refreshToken)).statusCode).toBe(200);
  });
});

describe('anti-framing on every answer', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it("forbids framing of API answers, errors and the page alike (X-Frame-Options and frame-ancestors 'none')", async () => {
    const user = await t.signUp();
    const answers = await Promise.all([
      t.request({ method: 'GET', url: '/auth/me', token: user.accessToken }),
      t.request({ method: 'GET', url: '/auth/me' }),
      t.request({ method: 'POST', url: '/auth/login', body: '{not json' }),
      t.request({ method: 'GET', url: '/no/such/route' }),
      t.request({ method: 'GET', url: '/healthz' }),
      t.request({ method: 'GET', url: '/.well-known/jwks.json' }),
      t.request({ method: 'GET', url: '/' }),
    ]);
    for (const res of answers) {
      expect(res.headers['x-frame-options'], `${res.statusCode} ${res.body.slice(0, 40)}`).toBe('DENY');
      expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    }
    // The page keeps its own full policy rather than being given a second one.
    expect(String(answers.at(-1)?.headers['content-security-policy'])).toContain("script-src 'self'");
  });
});
