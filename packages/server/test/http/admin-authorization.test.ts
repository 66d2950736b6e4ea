import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webContentSecurityPolicy } from '../../src/http/routes/web.js';
import { type BackendPlace, backendAvailable, everyBackend, openBackend } from '../support/backends.js';
import { uniqueName } from '../support/services.js';
import { decodeJwt, startTestServer, type TestServer } from '../support/test-server.js';

type Account = Awaited<ReturnType<TestServer['signUp']>>;
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
interface Call {
  readonly method: Method;
  readonly url: string;
  readonly body?: unknown;
}

const sidOf = (token: string) => decodeJwt(token).payload.sid as string;

/**
 * Every `/admin/*` route the server documents, read from its own API
 * reference rather than listed by hand, so a route added later is attacked
 * too. Each is aimed at `target` with a body that would do harm if the
 * caller were let in.
 */
async function everyAdminCall(t: TestServer, admin: Account, target: Account): Promise<Call[]> {
  const reference = (await t.request({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  const invited = await t.request({
    method: 'POST',
    url: '/admin/invitations',
    token: admin.accessToken,
    body: { email: `${uniqueName('pending')}@example.com` },
  });
  expect(invited.statusCode, invited.body).toBe(201);
  const invitationId = invited.json().invitation.id as string;
  const idFor = (path: string) =>
    path.startsWith('/admin/sessions/')
      ? sidOf(target.accessToken)
      : path.startsWith('/admin/invitations/')
        ? invitationId
        : target.userId;
  const harmful: Record<string, unknown> = {
    'PATCH /admin/users/{id}': { role: 'admin' },
    'POST /admin/invitations': { email: `${uniqueName('intruder')}@example.com`, role: 'admin' },
    'POST /admin/users/{id}/password-reset': {},
  };
  const calls: Call[] = [];
  for (const [path, operations] of Object.entries(reference.paths)) {
    if (path !== '/admin' && !path.startsWith('/admin/')) continue;
    for (const method of Object.keys(operations)) {
      const upper = method.toUpperCase() as Method;
      if (!['GET', 'POST', 'PATCH', 'DELETE'].includes(upper)) continue;
      // The console's page holds no data and is served to anyone; the API behind it decides.
      if (path === '/admin') continue;
      calls.push({ method: upper, url: path.replace('{id}', idFor(path)), body: harmful[`${upper} ${path}`] });
    }
  }
  return calls;
}

describe.each(everyBackend.filter((b) => !b.redis && backendAvailable(b)))(
  'every administration route on $name',
  (backend) => {
    let place: BackendPlace;
    let t: TestServer;
    let admin: Account;

    /** An account made administrator, signed in afresh so that its token says so. */
    async function makeAdmin(): Promise<Account> {
      const account = await t.signUp();
      await t.server.users.update(account.userId, { role: 'admin', updatedAt: t.clock.now() });
      return { ...account, ...(await t.login(account.username, account.password)) };
    }

    beforeAll(async () => {
      place = await openBackend(backend);
      t = await startTestServer({
        ...(place.dataDir === undefined ? {} : { dataDir: place.dataDir }),
        env: { ...place.env },
      });
      admin = await makeAdmin();
    });
    afterAll(async () => {
      await t?.close();
      await place?.remove();
    });

    /** Sends every call with `token`, expects `status` and `code` from each, and checks nothing happened. */
    async function expectRefusedEverywhere(token: string | undefined, status: number, code: string) {
      const target = await t.signUp();
      const calls = await everyAdminCall(t, admin, target);
      // Users, one user, its sessions, factors, identities, password reset, invitations, audit, overview, mail.
      expect(calls.length).toBeGreaterThanOrEqual(17);
      const before = await t.request({ method: 'GET', url: '/admin/invitations?limit=100', token: admin.accessToken });
      for (const call of calls) {
        const res = await t.request({ ...call, ...(token === undefined ? {} : { token }) });
        expect(res.statusCode, `${call.method} ${call.url}: ${res.body}`).toBe(status);
        expect(res.json().error.code, `${call.method} ${call.url}`).toBe(code);
      }
      // Nothing happened to the target, its session, or the invitations.
      expect((await t.request({ method: 'GET', url: '/auth/me', token: target.accessToken })).statusCode).toBe(200);
      expect(await t.server.users.findById(target.userId)).toMatchObject({ role: 'user', disabled: false });
      const after = await t.request({ method: 'GET', url: '/admin/invitations?limit=100', token: admin.accessToken });
      expect(after.json().invitations).toEqual(before.json().invitations);
    }

    it('refuses a user who is not an administrator', async () => {
      await expectRefusedEverywhere((await t.signUp()).accessToken, 403, 'ERR_FORBIDDEN');
    });

    it('refuses an administrator demoted since the token was issued', async () => {
      const former = await makeAdmin();
      await t.server.users.update(former.userId, { role: 'user', updatedAt: t.clock.now() });
      expect(decodeJwt(former.accessToken).payload.role).toBe('admin');
      await expectRefusedEverywhere(former.accessToken, 403, 'ERR_FORBIDDEN');
    });

    it('refuses an administrator disabled since the token was issued', async () => {
      const former = await makeAdmin();
      await t.server.users.update(former.userId, { disabled: true, updatedAt: t.clock.now() });
      await expectRefusedEverywhere(former.accessToken, 403, 'ERR_FORBIDDEN');
    });

    it('refuses the token of a session the administrator logged out of', async () => {
      const loggedOut = await makeAdmin();
      expect((await t.request({ method: 'POST', url: '/auth/logout', token: loggedOut.accessToken })).statusCode).toBe(
        200,
      );
      await expectRefusedEverywhere(loggedOut.accessToken, 401, 'ERR_TOKEN_REVOKED');
    });

    it('refuses the token of a session another administrator ended', async () => {
      const ended = await makeAdmin();
      const res = await t.request({
        method: 'DELETE',
        url: `/admin/sessions/${sidOf(ended.accessToken)}`,
        token: admin.accessToken,
      });
      expect(res.statusCode, res.body).toBe(204);
      await expectRefusedEverywhere(ended.accessToken, 401, 'ERR_TOKEN_REVOKED');
    });

    it('refuses an administrator whose token was issued before a password change (credential version)', async () => {
      const changed = await makeAdmin();
      const second = await t.login(changed.username, changed.password, 'second device');
      const res = await t.request({
        method: 'POST',
        url: '/auth/password',
        token: second.accessToken,
        body: { currentPassword: changed.password, newPassword: `${changed.password}-and-more` },
      });
      expect(res.statusCode, res.body).toBeLessThan(300);
      await expectRefusedEverywhere(changed.accessToken, 401, 'ERR_TOKEN_REVOKED');
    });

    it('keeps every answer to an administrator out of caches and frames, and the console page under its policy', async () => {
      const target = await t.signUp();
      for (const call of await everyAdminCall(t, admin, target)) {
        const res = await t.request({ ...call, token: admin.accessToken });
        const where = `${call.method} ${call.url}: ${res.statusCode}`;
        expect(res.headers['cache-control'], where).toBe('no-store');
        expect(res.headers['x-content-type-options'], where).toBe('nosniff');
        expect(res.headers['x-frame-options'], where).toBe('DENY');
        expect(String(res.headers['content-security-policy']), where).toContain("frame-ancestors 'none'");
      }
      const page = await t.request({ method: 'GET', url: '/admin' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-security-policy']).toBe(webContentSecurityPolicy);
      expect(webContentSecurityPolicy).toContain("require-trusted-types-for 'script'");
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.headers['x-content-type-options']).toBe('nosniff');
    });

    it('refuses a request without a token', async () => {
      await expectRefusedEverywhere(undefined, 401, 'ERR_TOKEN_MISSING');
    });
  },
);
