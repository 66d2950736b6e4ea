import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, startTestServer, type TestServer } from '../support/test-server.js';

async function devices(t: TestServer, count: number) {
  const first = await t.signUp({ device: 'device 0' });
  const tokens = [first];
  for (let i = 1; i < count; i++) {
    // Logins happen at distinct moments; the manual clock would otherwise tie them.
    t.clock.advance(1000);
    tokens.push({ ...first, ...(await t.login(first.username, first.password, `device ${i}`)) });
  }
  return tokens;
}

async function status(t: TestServer, token: string) {
  return (await t.request({ method: 'GET', url: '/auth/me', token })).statusCode;
}

describe('sessions per device', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('lists my active sessions with device, IP, user agent and times, marking the current one', async () => {
    const [a, b] = await devices(t, 2);
    const other = await t.signUp();
    const res = await t.request({ method: 'GET', url: '/auth/sessions', token: b?.accessToken });
    expect(res.statusCode).toBe(200);
    const { sessions } = res.json();
    expect(sessions).toHaveLength(2);
    const byDevice = Object.fromEntries(sessions.map((s: { device: string }) => [s.device, s]));
    expect(byDevice['device 1']).toMatchObject({ current: true, ip: '127.0.0.1', userAgent: 'lightMyRequest' });
    expect(byDevice['device 0']).toMatchObject({ current: false });
    expect(byDevice['device 0'].id).toBe(decodeJwt(a?.accessToken ?? '').payload.sid);
    for (const s of sessions) {
      expect(Object.keys(s).sort()).toEqual([
        'amr',
        'authTime',
        'createdAt',
        'current',
        'device',
        'expiresAt',
        'id',
        'ip',
        'lastUsedAt',
        'userAgent',
      ]);
    }
    expect(JSON.stringify(sessions)).not.toContain(decodeJwt(other.accessToken).payload.sid as string);
  });

  it('moves last-used forward on refresh', async () => {
    const [a] = await devices(t, 1);
    const before = (await t.request({ method: 'GET', url: '/auth/sessions', token: a?.accessToken })).json()
      .sessions[0];
    t.clock.advance(60_000);
    const next = (
      await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken: a?.refreshToken } })
    ).json();
    const after = (await t.request({ method: 'GET', url: '/auth/sessions', token: next.accessToken })).json()
      .sessions[0];
    expect(Date.parse(after.lastUsedAt) - Date.parse(before.lastUsedAt)).toBe(60_000);
    expect(after.createdAt).toBe(before.createdAt);
  });

  it('logs out the other devices and keeps this one', async () => {
    const [a, b, c] = await devices(t, 3);
    const res = await t.request({
      method: 'POST',
      url: '/auth/logout',
      token: a?.accessToken,
      body: { scope: 'others' },
    });
    expect(res.json()).toEqual({ revoked: 2 });
    expect(await status(t, a?.accessToken ?? '')).toBe(200);
    expect(await status(t, b?.accessToken ?? '')).toBe(401);
    expect(await status(t, c?.accessToken ?? '')).toBe(401);
    const refreshB = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken: b?.refreshToken } });
    expect(refreshB.json().error.code).toBe('ERR_SESSION_REVOKED');
  });

  it('logs out everywhere', async () => {
    const [a, b] = await devices(t, 2);
    const res = await t.request({ method: 'POST', url: '/auth/logout', token: b?.accessToken, body: { scope: 'all' } });
    expect(res.json()).toEqual({ revoked: 2 });
    expect(await status(t, a?.accessToken ?? '')).toBe(401);
    expect(await status(t, b?.accessToken ?? '')).toBe(401);
  });

  it('logs out only this device by default, and a second logout with the same token is refused', async () => {
    const [a, b] = await devices(t, 2);
    const res = await t.request({ method: 'POST', url: '/auth/logout', token: a?.accessToken, body: {} });
    expect(res.json()).toEqual({ revoked: 1 });
    expect(await status(t, b?.accessToken ?? '')).toBe(200);
    const again = await t.request({ method: 'POST', url: '/auth/logout', token: a?.accessToken });
    expect(again.statusCode).toBe(401);
  });

  it('refuses an unknown logout scope', async () => {
    const [a] = await devices(t, 1);
    const res = await t.request({
      method: 'POST',
      url: '/auth/logout',
      token: a?.accessToken,
      body: { scope: 'galaxy' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('ERR_VALIDATION');
    expect(await status(t, a?.accessToken ?? '')).toBe(200);
  });

  it('kicks one of my devices by id', async () => {
    const [a, b] = await devices(t, 2);
    const sid = decodeJwt(b?.accessToken ?? '').payload.sid as string;
    const res = await t.request({ method: 'DELETE', url: `/auth/sessions/${sid}`, token: a?.accessToken });
    expect(res.statusCode).toBe(204);
    expect(await status(t, b?.accessToken ?? '')).toBe(401);
    expect(await status(t, a?.accessToken ?? '')).toBe(200);
    const again = await t.request({ method: 'DELETE', url: `/auth/sessions/${sid}`, token: a?.accessToken });
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('ERR_SESSION_NOT_FOUND');
  });

  it("cannot kick another user's session, and cannot tell it exists", async () => {
    const mallory = await t.signUp();
    const victim = await t.signUp();
    const sid = decodeJwt(victim.accessToken).payload.sid as string;
    const res = await t.request({ method: 'DELETE', url: `/auth/sessions/${sid}`, token: mallory.accessToken });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('ERR_SESSION_NOT_FOUND');
    expect(await status(t, victim.accessToken)).toBe(200);
    const malformed = await t.request({
      method: 'DELETE',
      url: '/auth/sessions/..%2F..%2Fetc',
      token: mallory.accessToken,
    });
    expect(malformed.statusCode).toBe(400);
  });

  it('requires a token for every session route', async () => {
    for (const [method, url] of [
      ['GET', '/auth/sessions'],
      ['DELETE', '/auth/sessions/AAAAAAAAAAAAAAAAAAAAAA'],
      ['POST', '/auth/logout'],
      ['GET', '/auth/me'],
    ] as const) {
      const res = await t.request({ method, url });
      expect(res.statusCode, url).toBe(401);
    }
  });
});

describe('single-device login (Auth.MaxSessions = 1)', () => {
  it('signs the older device out when the user logs in elsewhere', async () => {
    const t = await startTestServer({ env: { JWTGATE_AUTH_MAX_SESSIONS: '1' } });
    try {
      const phone = await t.signUp({ device: 'phone' });
      const laptop = await t.login(phone.username, phone.password, 'laptop');
      expect(await status(t, phone.accessToken)).toBe(401);
      expect(await status(t, laptop.accessToken)).toBe(200);
      const refreshPhone = await t.request({
        method: 'POST',
        url: '/auth/refresh',
        body: { refreshToken: phone.refreshToken },
      });
      expect(refreshPhone.json().error.code).toBe('ERR_SESSION_REVOKED');
      const list = (await t.request({ method: 'GET', url: '/auth/sessions', token: laptop.accessToken })).json()
        .sessions;
      expect(list.map((s: { device: string }) => s.device)).toEqual(['laptop']);
      // Another user is not affected.
      const other = await t.signUp();
      expect(await status(t, other.accessToken)).toBe(200);
      expect(await status(t, laptop.accessToken)).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('keeps at most N sessions with a limit of N, evicting the oldest', async () => {
    const t = await startTestServer({ env: { JWTGATE_AUTH_MAX_SESSIONS: '2' } });
    try {
      const [a, b, c] = await devices(t, 3);
      expect(await status(t, a?.accessToken ?? '')).toBe(401);
      expect(await status(t, b?.accessToken ?? '')).toBe(200);
      expect(await status(t, c?.accessToken ?? '')).toBe(200);
    } finally {
      await t.close();
    }
  });
});
