import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectSessionEnded } from '../support/session-checks.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const NEW_PASSWORD = 'a fresh and longer passphrase';

describe('POST /auth/password', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: { JWTGATE_LOGIN_MAX_FAILURES: '3', JWTGATE_LOGIN_FAILURE_WINDOW: '600' },
    });
  });
  afterAll(() => t.close());

  const change = (token: string | undefined, body: unknown) =>
    t.request({ method: 'POST', url: '/auth/password', ...(token === undefined ? {} : { token }), body });
  const status = async (url: string, token: string) => (await t.request({ method: 'GET', url, token })).statusCode;
  const loginStatus = async (username: string, password: string) =>
    (await t.request({ method: 'POST', url: '/auth/login', body: { username, password } })).statusCode;

  it('stores the new password and ends every other session at once, keeping this one', async () => {
    const user = await t.signUp({ device: 'laptop' });
    const phone = await t.login(user.username, user.password, 'phone');
    const tablet = await t.login(user.username, user.password, 'tablet');
    const res = await change(user.accessToken, { currentPassword: user.password, newPassword: NEW_PASSWORD });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ revoked: 2 });

    expect(await status('/auth/me', user.accessToken)).toBe(200);
    for (const other of [phone, tablet]) await expectSessionEnded(t, other);
    // This session goes on, refresh included.
    const refreshed = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: user.refreshToken },
    });
    expect(refreshed.statusCode).toBe(200);
    const sessions = await t.request({ method: 'GET', url: '/auth/sessions', token: user.accessToken });
    expect(sessions.json().sessions.map((s: { device: string }) => s.device)).toEqual(['laptop']);

    expect(await loginStatus(user.username, user.password)).toBe(401);
    expect(await loginStatus(user.username, NEW_PASSWORD)).toBe(200);
  });

  it('keeps this session when its own refresh, in another tab, read it just before the change and the user just after', async () => {
    const user = await t.signUp({ device: 'laptop' });
    const phone = await t.login(user.username, user.password, 'phone');
    const users = t.server.users;
    const findById = users.findById.bind(users);
    let changed: Promise<{ statusCode: number; body: string }> | undefined;
    // The refresh has read its session; the change (version raised, this session kept and moved
    // to the new version, the others ended) completes before the refresh reads the user.
    const spy = vi.spyOn(users, 'findById').mockImplementationOnce(async (id) => {
      changed = change(user.accessToken, { currentPassword: user.password, newPassword: NEW_PASSWORD });
      await changed;
      return findById(id);
    });
    try {
      const refreshed = await t.request({
        method: 'POST',
        url: '/auth/refresh',
        body: { refreshToken: user.refreshToken },
      });
      const res = await changed;
      expect(res?.statusCode, res?.body).toBe(200);
      expect(refreshed.statusCode, refreshed.body).toBe(200);
      expect(await status('/auth/me', refreshed.json().accessToken)).toBe(200);
      expect(await status('/auth/me', user.accessToken)).toBe(200);
      await expectSessionEnded(t, phone);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses a wrong current password with 403, not 401, and changes nothing', async () => {
    const user = await t.signUp();
    const phone = await t.login(user.username, user.password, 'phone');
    const res = await change(user.accessToken, {
      currentPassword: 'not the password at all',
      newPassword: NEW_PASSWORD,
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('ERR_WRONG_CURRENT_PASSWORD');
    // Nothing here says the token is bad.
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(await status('/auth/me', user.accessToken)).toBe(200);
    expect(await status('/auth/me', phone.accessToken)).toBe(200);
    expect(await loginStatus(user.username, NEW_PASSWORD)).toBe(401);
    expect(await loginStatus(user.username, user.password)).toBe(200);
  });

  it('refuses an over-long current password as a wrong one, without hashing it', async () => {
    const user = await t.signUp();
    const res = await change(user.accessToken, { currentPassword: 'x'.repeat(5000), newPassword: NEW_PASSWORD });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('ERR_WRONG_CURRENT_PASSWORD');
    expect(await loginStatus(user.username, user.password)).toBe(200);
  });

  it('refuses a new password the policy refuses, and changes nothing', async () => {
    const user = await t.signUp();
    for (const newPassword of ['short', '', 'x'.repeat(1025)]) {
      const res = await change(user.accessToken, { currentPassword: user.password, newPassword });
      expect(res.statusCode, newPassword.slice(0, 10)).toBe(400);
      expect(res.json().error.code).toBe('ERR_INVALID_PASSWORD');
    }
    expect(await loginStatus(user.username, user.password)).toBe(200);
    // A refused new password tested nothing about the current one, so it used up no guess.
    const res = await change(user.accessToken, { currentPassword: user.password, newPassword: NEW_PASSWORD });
    expect(res.statusCode).toBe(200);
  });

  it('counts wrong current passwords against the login limit for the account, and refuses before checking', async () => {
    const user = await t.signUp();
    const wrong = { currentPassword: 'guess number one', newPassword: NEW_PASSWORD };
    for (let i = 0; i < 3; i++) expect((await change(user.accessToken, wrong)).statusCode).toBe(403);
    const limited = await change(user.accessToken, { currentPassword: user.password, newPassword: NEW_PASSWORD });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('ERR_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The same counter as login's: the guesses cannot be spread over both routes.
    expect(await loginStatus(user.username, user.password)).toBe(429);
    expect(await loginStatus(user.username, NEW_PASSWORD)).toBe(429);

    t.clock.advance(601_000);
    const res = await change(user.accessToken, { currentPassword: user.password, newPassword: NEW_PASSWORD });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('shares the limit with failed logins from the same address', async () => {
    const user = await t.signUp();
    for (let i = 0; i < 3; i++) expect(await loginStatus(user.username, 'a wrong password')).toBe(401);
    const res = await change(user.accessToken, { currentPassword: user.password, newPassword: NEW_PASSWORD });
    expect(res.statusCode).toBe(429);
    t.clock.advance(601_000);
  });

  it('needs a valid access token of a live session', async () => {
    const body = { currentPassword: 'whatever it is', newPassword: NEW_PASSWORD };
    const missing = await change(undefined, body);
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.code).toBe('ERR_TOKEN_MISSING');

    const user = await t.signUp();
    await t.request({ method: 'POST', url: '/auth/logout', token: user.accessToken });
    const revoked = await change(user.accessToken, { currentPassword: user.password, newPassword: NEW_PASSWORD });
    expect(revoked.json().error.code).toBe('ERR_TOKEN_REVOKED');
    expect(await loginStatus(user.username, user.password)).toBe(200);
  });

  it('refuses malformed bodies with 400 and other methods with 405', async () => {
    const user = await t.signUp();
    for (const body of [
      {},
      { currentPassword: user.password },
      { newPassword: NEW_PASSWORD },
      { currentPassword: 1, newPassword: NEW_PASSWORD },
    ]) {
      const res = await change(user.accessToken, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('ERR_VALIDATION');
      expect(res.body).not.toContain(user.password);
    }
    const get = await t.request({ method: 'GET', url: '/auth/password', token: user.accessToken });
    expect(get.statusCode).toBe(405);
  });
});
