import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSessionEnded } from '../support/session-checks.js';
import { decodeJwt, startTestServer, type TestServer } from '../support/test-server.js';

type Account = Awaited<ReturnType<TestServer['signUp']>>;
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

async function makeAdmin(t: TestServer, username?: string): Promise<Account> {
  const account = await t.signUp(username === undefined ? {} : { username });
  await t.server.users.update(account.userId, { role: 'admin', updatedAt: t.clock.now() });
  // A fresh login so the token carries the new role.
  return { ...account, ...(await t.login(account.username, account.password)) };
}

async function me(t: TestServer, token: string) {
  return (await t.request({ method: 'GET', url: '/auth/me', token })).statusCode;
}

const sidOf = (token: string) => decodeJwt(token).payload.sid as string;

/** Every route of the administration API, aimed at `target`. */
function everyAdminRoute(target: Account): [Method, string, unknown][] {
  return [
    ['GET', '/admin/users', undefined],
    ['GET', '/admin/users?search=a&limit=5', undefined],
    ['GET', '/admin/users?role=admin&secondFactor=false', undefined],
    ['GET', '/admin/overview', undefined],
    ['GET', `/admin/users/${target.userId}`, undefined],
    ['POST', `/admin/users/${target.userId}/disable`, undefined],
    ['POST', `/admin/users/${target.userId}/enable`, undefined],
    ['POST', `/admin/users/${target.userId}/logout`, undefined],
    ['PATCH', `/admin/users/${target.userId}`, { role: 'admin' }],
    ['PATCH', `/admin/users/${target.userId}`, { nonsense: true }],
    ['DELETE', `/admin/sessions/${sidOf(target.accessToken)}`, undefined],
  ];
}

describe('the administration API', () => {
  let t: TestServer;
  let admin: Account;
  beforeAll(async () => {
    t = await startTestServer();
    admin = await makeAdmin(t);
  });
  afterAll(() => t.close());

  const adminPost = (url: string) => t.request({ method: 'POST', url, token: admin.accessToken });

  /** Lists users page by page (`limit` each) and returns every username in the order given. */
  async function listAll(search: string, limit: number): Promise<string[]> {
    const names: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const query = new URLSearchParams({ search, limit: String(limit), ...(cursor === null ? {} : { cursor }) });
      const res = await t.request({ method: 'GET', url: `/admin/users?${query}`, token: admin.accessToken });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { users: { username: string }[]; nextCursor: string | null };
      expect(body.users.length).toBeLessThanOrEqual(limit);
      names.push(...body.users.map((user) => user.username));
      cursor = body.nextCursor;
      if (cursor === null) return names;
    }
    throw new Error('the listing did not end');
  }

  describe('listing users', () => {
    it('pages through the users whose name starts with the search, in username order, any case', async () => {
      const tag = `pg${randomBytes(3).toString('hex')}`;
      const names = [`${tag}-Carla`, `${tag}-anna`, `${tag}-Bert`, `${tag}-dora`, `${tag}-eve`];
      for (const username of names) await t.signUp({ username });
      await t.signUp({ username: `x${tag}-anna` });
      const expected = [`${tag}-anna`, `${tag}-Bert`, `${tag}-Carla`, `${tag}-dora`, `${tag}-eve`];
      for (const limit of [1, 2, 5, 100]) expect(await listAll(tag.toUpperCase(), limit)).toEqual(expected);
      expect(await listAll(`${tag}-b`, 10)).toEqual([`${tag}-Bert`]);
      expect(await listAll(`ｘ${tag}`, 10)).toEqual([`x${tag}-anna`]);
    });

    it('answers what an administrator needs and nothing secret', async () => {
      const tag = `sh${randomBytes(3).toString('hex')}`;
      const user = await t.signUp({ username: `${tag}-one` });
      const res = await t.request({ method: 'GET', url: `/admin/users?search=${tag}`, token: admin.accessToken });
      expect(res.json()).toEqual({
        users: [
          {
            id: user.userId,
            username: `${tag}-one`,
            role: 'user',
            disabled: false,
            secondFactor: false,
            createdAt: expect.any(String),
            updatedAt: expect.any(String),
          },
        ],
        nextCursor: null,
      });
      expect(res.body).not.toMatch(/argon2|password/i);
    });

    it('takes % and _ in the search as plain characters', async () => {
      const tag = `wc${randomBytes(3).toString('hex')}`;
      for (const username of [`${tag}a_b`, `${tag}acb`, `${tag}a%b`, `${tag}aXb`]) await t.signUp({ username });
      const search = (s: string) => listAll(s, 10);
      expect(await search(`${tag}a_`)).toEqual([`${tag}a_b`]);
      expect(await search(`${tag}a%`)).toEqual([`${tag}a%b`]);
      expect(await search(`${tag}%`)).toEqual([]);
      expect(await search(`${tag}a`)).toHaveLength(4);
    });

    it('lists everyone without a search, and nobody for a search no username can start with', async () => {
      expect((await listAll('', 100)).length).toBeGreaterThan(5);
      expect(await listAll('a b', 10)).toEqual([]);
    });

    it('refuses a cursor it did not hand out, and a limit outside 1 to 100, with 400', async () => {
      const first = await t.request({ method: 'GET', url: '/admin/users?limit=1', token: admin.accessToken });
      const cursor = first.json().nextCursor as string;
      for (const bad of [
        'bm90LWEtY3Vyc29y',
        `${cursor}x`,
        'not a cursor',
        Buffer.from('alice').toString('base64url'),
      ]) {
        const res = await t.request({
          method: 'GET',
          url: `/admin/users?cursor=${encodeURIComponent(bad)}`,
          token: admin.accessToken,
        });
        expect(res.statusCode, bad).toBe(400);
        expect(res.json().error.code).toBe('ERR_INVALID_CURSOR');
      }
      for (const query of ['limit=0', 'limit=101', 'limit=two', 'username=alice', 'cursor=']) {
        const res = await t.request({ method: 'GET', url: `/admin/users?${query}`, token: admin.accessToken });
        expect(res.statusCode, query).toBe(400);
        expect(res.json().error.code).toBe('ERR_VALIDATION');
      }
      const next = await t.request({
        method: 'GET',
        url: `/admin/users?limit=1&cursor=${cursor}`,
        token: admin.accessToken,
      });
      expect(next.statusCode).toBe(200);
    });
  });

  it('shows one user with their active sessions', async () => {
    const user = await t.signUp({ device: 'laptop' });
    await t.login(user.username, user.password, 'phone');
    const ended = await t.login(user.username, user.password, 'tablet');
    await t.request({ method: 'POST', url: '/auth/logout', token: ended.accessToken });
    const res = await t.request({ method: 'GET', url: `/admin/users/${user.userId}`, token: admin.accessToken });
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      user: { id: string; disabled: boolean };
      sessions: { device: string; current: boolean }[];
    };
    expect(body.user).toMatchObject({ id: user.userId, username: user.username, disabled: false });
    expect(body.sessions.map((s) => s.device).sort()).toEqual(['laptop', 'phone']);
    expect(body.sessions.every((s) => !s.current)).toBe(true);
    expect(res.body).not.toMatch(/argon2|password|hash/i);
  });

  it('disables a user: their access tokens are refused at once, refresh and login too', async () => {
    const user = await t.signUp();
    const phone = await t.login(user.username, user.password, 'phone');
    const res = await adminPost(`/admin/users/${user.userId}/disable`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ user: { id: user.userId, disabled: true }, revokedSessions: 2 });
    for (const session of [user, phone]) await expectSessionEnded(t, session);
    const login = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: user.username, password: user.password },
    });
    expect(login.statusCode).toBe(401);
    expect(login.json().error.code).toBe('ERR_INVALID_CREDENTIALS');
    expect(await me(t, admin.accessToken)).toBe(200);
  });

  it('enables a disabled user again, who then logs in anew', async () => {
    const user = await t.signUp();
    await adminPost(`/admin/users/${user.userId}/disable`);
    const res = await adminPost(`/admin/users/${user.userId}/enable`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ user: { id: user.userId, disabled: false }, revokedSessions: 0 });
    // Enabling revives no session: the old token stays dead, a new login works.
    expect(await me(t, user.accessToken)).toBe(401);
    expect(await me(t, (await t.login(user.username, user.password)).accessToken)).toBe(200);
  });

  it('forces a user out of every device at once', async () => {
    const victim = await t.signUp();
    const second = await t.login(victim.username, victim.password, 'phone');
    const res = await adminPost(`/admin/users/${victim.userId}/logout`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ revoked: 2 });
    for (const session of [victim, second]) await expectSessionEnded(t, session);
    // Not disabled: they may log in again.
    expect(await me(t, (await t.login(victim.username, victim.password)).accessToken)).toBe(200);
    expect(await me(t, admin.accessToken)).toBe(200);
  });

  it('ends one session of any user', async () => {
    const user = await t.signUp({ device: 'laptop' });
    const phone = await t.login(user.username, user.password, 'phone');
    const ended = await t.request({
      method: 'DELETE',
      url: `/admin/sessions/${sidOf(phone.accessToken)}`,
      token: admin.accessToken,
    });
    expect(ended.statusCode).toBe(204);
    expect(await me(t, phone.accessToken)).toBe(401);
    expect(await me(t, user.accessToken)).toBe(200);
    const again = await t.request({
      method: 'DELETE',
      url: `/admin/sessions/${sidOf(phone.accessToken)}`,
      token: admin.accessToken,
    });
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('ERR_SESSION_NOT_FOUND');
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

  it('has one way to disable: PATCH changes the role only', async () => {
    const user = await t.signUp();
    for (const body of [{}, { disabled: true }, { role: 'Admin' }, { role: '' }, { role: 'support', extra: 1 }]) {
      const res = await t.request({
        method: 'PATCH',
        url: `/admin/users/${user.userId}`,
        token: admin.accessToken,
        body,
      });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('ERR_VALIDATION');
    }
    for (const url of [`/admin/users/${user.userId}/sessions`]) {
      const res = await t.request({ method: 'GET', url, token: admin.accessToken });
      expect(res.statusCode, url).toBe(404);
    }
    expect(await me(t, user.accessToken)).toBe(200);
  });

  it('answers 404 ERR_USER_NOT_FOUND for an unknown user id on every user route', async () => {
    const id = '00000000-0000-0000-0000-000000000000';
    for (const [method, url, body] of [
      ['GET', `/admin/users/${id}`, undefined],
      ['POST', `/admin/users/${id}/disable`, undefined],
      ['POST', `/admin/users/${id}/enable`, undefined],
      ['POST', `/admin/users/${id}/logout`, undefined],
      ['PATCH', `/admin/users/${id}`, { role: 'support' }],
    ] as const) {
      const res = await t.request({ method, url, token: admin.accessToken, body });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('ERR_USER_NOT_FOUND');
    }
  });

  describe('refuses with 403 ERR_FORBIDDEN on every route, before looking at the request', () => {
    async function expectForbiddenEverywhere(caller: Account) {
      const target = await t.signUp();
      for (const [method, url, body] of everyAdminRoute(target)) {
        const res = await t.request({ method, url, token: caller.accessToken, body });
        expect(res.statusCode, `${method} ${url}`).toBe(403);
        expect(res.json().error.code).toBe('ERR_FORBIDDEN');
      }
      // Nothing happened to the target.
      expect(await me(t, target.accessToken)).toBe(200);
      const stored = await t.server.users.findById(target.userId);
      expect(stored).toMatchObject({ role: 'user', disabled: false });
    }

    it('a user who is not an administrator', async () => {
      await expectForbiddenEverywhere(await t.signUp());
    });

    it('a demoted administrator whose token still says admin', async () => {
      const former = await makeAdmin(t);
      // Demoted behind the API's back, so the token keeps its admin claim and its session.
      await t.server.users.update(former.userId, { role: 'user', updatedAt: t.clock.now() });
      expect(decodeJwt(former.accessToken).payload.role).toBe('admin');
      await expectForbiddenEverywhere(former);
    });

    it('a disabled administrator whose token still says admin', async () => {
      const former = await makeAdmin(t);
      // Disabled behind the API's back: the session and its token stay valid, the account is not an admin's.
      await t.server.users.update(former.userId, { disabled: true, updatedAt: t.clock.now() });
      await expectForbiddenEverywhere(former);
    });
  });

  it('answers 401 without a token', async () => {
    const res = await t.request({ method: 'GET', url: `/admin/users/${admin.userId}` });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_TOKEN_MISSING');
  });
});

describe('the last enabled administrator', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('cannot be disabled or demoted, by themselves or anyone, until another administrator exists', async () => {
    const first = await makeAdmin(t);
    for (const [method, url, body] of [
      ['POST', `/admin/users/${first.userId}/disable`, undefined],
      ['PATCH', `/admin/users/${first.userId}`, { role: 'user' }],
    ] as const) {
      const res = await t.request({ method, url, token: first.accessToken, body });
      expect(res.statusCode, url).toBe(409);
      expect(res.json().error.code).toBe('ERR_LAST_ADMIN');
    }
    expect(await t.server.users.findById(first.userId)).toMatchObject({ role: 'admin', disabled: false });
    expect(await me(t, first.accessToken)).toBe(200);

    // A disabled administrator does not count.
    const dormant = await makeAdmin(t);
    await t.server.users.update(dormant.userId, { disabled: true, updatedAt: t.clock.now() });
    const still = await t.request({
      method: 'POST',
      url: `/admin/users/${first.userId}/disable`,
      token: first.accessToken,
    });
    expect(still.json().error.code).toBe('ERR_LAST_ADMIN');

    const second = await makeAdmin(t);
    const demoted = await t.request({
      method: 'PATCH',
      url: `/admin/users/${first.userId}`,
      token: second.accessToken,
      body: { role: 'user' },
    });
    expect(demoted.statusCode).toBe(200);
    const selfDisable = await t.request({
      method: 'POST',
      url: `/admin/users/${second.userId}/disable`,
      token: second.accessToken,
    });
    expect(selfDisable.statusCode).toBe(409);
    expect(selfDisable.json().error.code).toBe('ERR_LAST_ADMIN');
    // Re-enabling the dormant one makes room again.
    await t.request({ method: 'POST', url: `/admin/users/${dormant.userId}/enable`, token: second.accessToken });
    const now = await t.request({
      method: 'POST',
      url: `/admin/users/${second.userId}/disable`,
      token: second.accessToken,
    });
    expect(now.statusCode).toBe(200);
    expect(await me(t, second.accessToken)).toBe(401);
  });
});
