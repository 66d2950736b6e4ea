import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, startTestServer, type TestServer } from '../support/test-server.js';

type Account = Awaited<ReturnType<TestServer['signUp']>>;

async function makeAdmin(t: TestServer): Promise<Account> {
  const account = await t.signUp();
  await t.server.users.update(account.userId, { role: 'admin', updatedAt: t.clock.now() });
  // A fresh login so the token carries the new role.
  return { ...account, ...(await t.login(account.username, account.password)) };
}

async function me(t: TestServer, token: string) {
  return (await t.request({ method: 'GET', url: '/auth/me', token })).statusCode;
}

describe('the administration API', () => {
  let t: TestServer;
  let admin: Account;
  beforeAll(async () => {
    t = await startTestServer();
    admin = await makeAdmin(t);
  });
  afterAll(() => t.close());

  it('forces a user out of every device at once', async () => {
    const victim = await t.signUp();
    const second = await t.login(victim.username, victim.password, 'phone');
    const res = await t.request({
      method: 'DELETE',
      url: `/admin/users/${victim.userId}/sessions`,
      token: admin.accessToken,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ revoked: 2 });
    expect(await me(t, victim.accessToken)).toBe(401);
    expect(await me(t, second.accessToken)).toBe(401);
    const refresh = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: second.refreshToken },
    });
    expect(refresh.json().error.code).toBe('ERR_SESSION_REVOKED');
    expect(await me(t, admin.accessToken)).toBe(200);
  });

  it('lists a user’s sessions and ends one of them', async () => {
    const user = await t.signUp({ device: 'laptop' });
    const phone = await t.login(user.username, user.password, 'phone');
    const listed = await t.request({
      method: 'GET',
      url: `/admin/users/${user.userId}/sessions`,
      token: admin.accessToken,
    });
    expect(listed.statusCode).toBe(200);
    const sessions = listed.json().sessions as { id: string; device: string; current: boolean }[];
    expect(sessions.map((s) => s.device).sort()).toEqual(['laptop', 'phone']);
    expect(sessions.every((s) => !s.current)).toBe(true);

    const phoneSid = decodeJwt(phone.accessToken).payload.sid as string;
    const ended = await t.request({ method: 'DELETE', url: `/admin/sessions/${phoneSid}`, token: admin.accessToken });
    expect(ended.statusCode).toBe(204);
    expect(await me(t, phone.accessToken)).toBe(401);
    expect(await me(t, user.accessToken)).toBe(200);
    const again = await t.request({ method: 'DELETE', url: `/admin/sessions/${phoneSid}`, token: admin.accessToken });
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('ERR_SESSION_NOT_FOUND');
  });

  it('disables a user: their sessions end and they can no longer log in', async () => {
    const user = await t.signUp();
    const res = await t.request({
      method: 'PATCH',
      url: `/admin/users/${user.userId}`,
      token: admin.accessToken,
      body: { disabled: true },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ user: { id: user.userId, disabled: true }, revokedSessions: 1 });
    expect(await me(t, user.accessToken)).toBe(401);
    const login = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: user.username, password: user.password },
    });
    expect(login.statusCode).toBe(401);
    expect(login.json().error.code).toBe('ERR_INVALID_CREDENTIALS');

    const enabled = await t.request({
      method: 'PATCH',
      url: `/admin/users/${user.userId}`,
      token: admin.accessToken,
      body: { disabled: false },
    });
    expect(enabled.json()).toMatchObject({ user: { disabled: false }, revokedSessions: 0 });
    expect((await t.login(user.username, user.password)).accessToken).toBeTruthy();
  });

  it('changes a role and ends the sessions whose tokens carry the old one', async () => {
    const user = await t.signUp();
    const res = await t.request({
      method: 'PATCH',
      url: `/admin/users/${user.userId}`,
      token: admin.accessToken,
      body: { role: 'support' },
    });
    expect(res.json()).toMatchObject({ user: { role: 'support' }, revokedSessions: 1 });
    expect(await me(t, user.accessToken)).toBe(401);
    const fresh = await t.login(user.username, user.password);
    expect(decodeJwt(fresh.accessToken).payload.role).toBe('support');
  });

  it('finds a user by any spelling of the username', async () => {
    const user = await t.signUp({ username: 'Dagmar' });
    const res = await t.request({ method: 'GET', url: '/admin/users?username=DAGMAR', token: admin.accessToken });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.user).toMatchObject({ id: user.userId, username: 'Dagmar', role: 'user', disabled: false });
    expect(JSON.stringify(body)).not.toMatch(/argon2|password/i);
    const missing = await t.request({
      method: 'GET',
      url: '/admin/users?username=nobody-here',
      token: admin.accessToken,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('ERR_USER_NOT_FOUND');
  });

  it('answers 404 ERR_USER_NOT_FOUND for an unknown user id', async () => {
    for (const [method, url, body] of [
      ['GET', '/admin/users/00000000-0000-0000-0000-000000000000', undefined],
      ['PATCH', '/admin/users/00000000-0000-0000-0000-000000000000', { disabled: true }],
      ['DELETE', '/admin/users/00000000-0000-0000-0000-000000000000/sessions', undefined],
    ] as const) {
      const res = await t.request({ method, url, token: admin.accessToken, body });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('ERR_USER_NOT_FOUND');
    }
  });

  it('refuses invalid changes with 400 and changes nothing', async () => {
    const user = await t.signUp();
    for (const body of [{}, { role: 'Admin' }, { role: '' }, { disabled: 'yes' }, { disabled: true, extra: 1 }]) {
      const res = await t.request({
        method: 'PATCH',
        url: `/admin/users/${user.userId}`,
        token: admin.accessToken,
        body,
      });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('ERR_VALIDATION');
    }
    expect(await me(t, user.accessToken)).toBe(200);
  });

  it('refuses a user who is not an administrator with 403, before looking at the request', async () => {
    const user = await t.signUp();
    const target = await t.signUp();
    for (const [method, url, body] of [
      ['DELETE', `/admin/users/${target.userId}/sessions`, undefined],
      ['PATCH', `/admin/users/${user.userId}`, { role: 'admin' }],
      ['PATCH', `/admin/users/${user.userId}`, { nonsense: true }],
      ['GET', `/admin/users/${target.userId}`, undefined],
    ] as const) {
      const res = await t.request({ method, url, token: user.accessToken, body });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error.code).toBe('ERR_FORBIDDEN');
    }
    expect(await me(t, target.accessToken)).toBe(200);
    expect(decodeJwt((await t.login(user.username, user.password)).accessToken).payload.role).toBe('user');
  });

  it('refuses a demoted administrator whose token still says admin', async () => {
    const former = await makeAdmin(t);
    // Demoted behind the API's back, so the token keeps its admin claim and its session.
    await t.server.users.update(former.userId, { role: 'user', updatedAt: t.clock.now() });
    const res = await t.request({ method: 'GET', url: `/admin/users/${former.userId}`, token: former.accessToken });
    expect(decodeJwt(former.accessToken).payload.role).toBe('admin');
    expect(res.statusCode).toBe(403);
  });

  it('answers 401 without a token', async () => {
    const res = await t.request({ method: 'GET', url: `/admin/users/${admin.userId}` });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_TOKEN_MISSING');
  });
});
