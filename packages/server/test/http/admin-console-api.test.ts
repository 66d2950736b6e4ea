import { buildSessionRecord, buildUserRecord } from '@jwtgate/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlSessionStore } from '../../src/stores/sql/sql-session-store.js';
import { enrolTotp } from '../support/mfa-steps.js';
import { linkSecret, type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * The parts of the administration API the admin console added: the
 * listing's filters (email prefix, role, state, verified address, second
 * factor), a user's factors, and the overview's counts.
 */

type Account = Awaited<ReturnType<TestServer['signUp']>>;
interface Listed {
  id: string;
  username: string;
  role: string;
  disabled: boolean;
  secondFactor: boolean;
  email?: string;
  emailVerified?: boolean;
}

describe('the admin console API', () => {
  let t: TestServer;
  let admin: Account;
  let tag: string;
  const accounts: Record<string, Account> = {};

  beforeAll(async () => {
    t = await startTestServer();
    tag = Math.random().toString(36).slice(2, 7);
    admin = await t.signUp({ username: `${tag}-boss` });
    await t.server.users.update(admin.userId, { role: 'admin', updatedAt: t.clock.now() });
    admin = { ...admin, ...(await t.login(admin.username, admin.password)) };
    for (const name of ['anna', 'bert', 'cleo', 'dora', 'emil']) {
      accounts[name] = await t.signUp({ username: `${tag}-${name}` });
    }
    const set = (name: string, changes: object) =>
      t.server.users.update((accounts[name] as Account).userId, { ...changes, updatedAt: t.clock.now() });
    await set('anna', {
      email: { email: `Anna.${tag}@Example.org`, emailKey: `anna.${tag}@example.org` },
      emailVerifiedAt: t.clock.now(),
    });
    await set('bert', { email: { email: `bert.${tag}@example.org`, emailKey: `bert.${tag}@example.org` } });
    await set('cleo', { disabled: true });
    await set('dora', { role: 'support' });
    await enrolTotp(t, accounts.emil as Account);
  });
  afterAll(() => t.close());

  async function list(query: string, limit = 100): Promise<{ users: Listed[]; nextCursor: string | null }> {
    const res = await t.request({
      method: 'GET',
      url: `/admin/users?limit=${limit}&${query}`,
      token: admin.accessToken,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }
  const names = (page: { users: Listed[] }) => page.users.map((user) => user.username.slice(tag.length + 1));

  it('narrows the listing by role, state, verified address and second factor, and says who has one', async () => {
    expect(names(await list(`search=${tag}&role=support`))).toEqual(['dora']);
    expect(names(await list(`search=${tag}&disabled=true`))).toEqual(['cleo']);
    expect(names(await list(`search=${tag}&disabled=false`))).toEqual(['anna', 'bert', 'boss', 'dora', 'emil']);
    expect(names(await list(`search=${tag}&verified=true`))).toEqual(['anna']);
    expect(names(await list(`search=${tag}&verified=false`))).toEqual(['bert', 'boss', 'cleo', 'dora', 'emil']);
    expect(names(await list(`search=${tag}&secondFactor=true`))).toEqual(['emil']);
    expect(names(await list(`search=${tag}&secondFactor=false&role=user&disabled=false`))).toEqual(['anna', 'bert']);
    const all = await list(`search=${tag}`);
    expect(all.users.find((user) => user.username.endsWith('emil'))?.secondFactor).toBe(true);
    expect(all.users.filter((user) => user.secondFactor)).toHaveLength(1);
  });

  it('searches by the start of an email address in any case', async () => {
    expect(names(await list(`searchIn=email&search=ANNA.${tag}`))).toEqual(['anna']);
    expect(names(await list(`searchIn=email&search=bert.${tag}@EXAMPLE`))).toEqual(['bert']);
    expect(names(await list(`searchIn=email&search=nobody.${tag}`))).toEqual([]);
    // A username is not an address: the same text finds nobody there.
    expect(names(await list(`searchIn=email&search=${tag}-anna`))).toEqual([]);
  });

  it('pages a filtered listing without repeating or skipping anyone', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res = await list(
        `search=${tag}&disabled=false${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
        2,
      );
      expect(res.users.length).toBeLessThanOrEqual(2);
      seen.push(...names(res));
      cursor = res.nextCursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual(['anna', 'bert', 'boss', 'dora', 'emil']);
  });

  it("shows a user's second factor and recovery codes on their page", async () => {
    const emil = accounts.emil as Account;
    const res = await t.request({ method: 'GET', url: `/admin/users/${emil.userId}`, token: admin.accessToken });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().factors).toMatchObject({ available: true, totp: true, recoveryCodesLeft: 10 });
    expect(Date.parse(res.json().factors.totpSince)).toBeGreaterThan(0);
    const anna = await t.request({
      method: 'GET',
      url: `/admin/users/${(accounts.anna as Account).userId}`,
      token: admin.accessToken,
    });
    expect(anna.json().factors).toEqual({
      available: true,
      totp: false,
      totpSince: null,
      recoveryCodesLeft: 0,
      passkeys: [],
    });
    // No identity provider is configured here: nobody has a linked identity.
    expect(anna.json().identities).toEqual([]);
  });

  it('counts users, sessions and the last 24 hours of sign-ins for the overview', async () => {
    // Every record so far in the database first, so that `before` counts them all.
    await t.server.flushAudit();
    const before = (await t.request({ method: 'GET', url: '/admin/overview', token: admin.accessToken })).json();
    await expect(t.login((accounts.anna as Account).username, 'not the password')).rejects.toThrow();
    await expect(t.login((accounts.anna as Account).username, 'not the password either')).rejects.toThrow();
    await t.login((accounts.bert as Account).username, (accounts.bert as Account).password);
    await t.server.flushAudit();
    const res = await t.request({ method: 'GET', url: '/admin/overview', token: admin.accessToken });
    expect(res.statusCode, res.body).toBe(200);
    const after = res.json();
    expect(after.users).toEqual({ count: 6, capped: false });
    expect(after.admins).toEqual({ count: 1, capped: false });
    expect(after.disabledUsers).toEqual({ count: 1, capped: false });
    // The failed logins started nothing; bert's second login is one more session.
    expect(after.activeSessions.count).toBe(before.activeSessions.count + 1);
    expect(after.last24h.logins.count).toBe(before.last24h.logins.count + 1);
    expect(after.last24h.loginFailures.count).toBe(before.last24h.loginFailures.count + 2);
    expect(after.last24h.hourly).toHaveLength(24);
    const hourly = after.last24h.hourly as { logins: number; failures: number }[];
    expect(hourly.reduce((sum, hour) => sum + hour.logins, 0)).toBe(after.last24h.logins.count);
    expect(hourly.reduce((sum, hour) => sum + hour.failures, 0)).toBe(after.last24h.loginFailures.count);
    expect((hourly.at(-1) as { logins: number }).logins).toBeGreaterThanOrEqual(1);
  });

  it('refuses the overview and the filters to a user who is not an administrator', async () => {
    const anna = accounts.anna as Account;
    for (const url of ['/admin/overview', '/admin/users?role=admin']) {
      const res = await t.request({ method: 'GET', url, token: anna.accessToken });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('ERR_FORBIDDEN');
    }
  });

  it('serves the console page under the same policy as the account page, with its scripts', async () => {
    const page = await t.request({ method: 'GET', url: '/admin' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("require-trusted-types-for 'script'");
    expect(page.body).toContain('/assets/app/admin/admin-main.js');
    const script = await t.request({ method: 'GET', url: '/assets/app/admin/admin-main.js' });
    expect(script.statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/assets/admin.css' })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/assets/app/admin/missing.js' })).statusCode).toBe(404);
  });
});

describe('a password reset sent by an administrator', () => {
  let t: TestServer;
  let inbox: SmtpInbox;
  let admin: Account;
  beforeAll(async () => {
    inbox = await startSmtpInbox();
    t = await startTestServer({ env: { JWTGATE_MAIL_SMTP_URL: inbox.url() } });
    admin = await t.signUp();
    await t.server.users.update(admin.userId, { role: 'admin', updatedAt: t.clock.now() });
    admin = { ...admin, ...(await t.login(admin.username, admin.password)) };
  });
  afterAll(async () => {
    await t.close();
    await inbox.close();
  });

  const send = (id: string, token = admin.accessToken) =>
    t.request({ method: 'POST', url: `/admin/users/${id}/password-reset`, token });

  it('mails the link to the address, verified or not, and changes nothing else', async () => {
    const user = await t.signUp();
    const address = `reset.${user.username}@example.org`;
    await t.server.users.update(user.userId, {
      email: { email: address, emailKey: address },
      updatedAt: t.clock.now(),
    });
    const res = await send(user.userId);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ email: address });
    await t.server.drainMail();
    const mail = await inbox.waitFor((received) => received.to.includes(address));
    expect(linkSecret(mail, 'reset-password')).toMatch(/^jge1_/);
    expect((await t.server.sessions.list(user.userId)).length).toBe(1);
  });

  it('refuses an account without an address, a disabled one, an unknown one, and a caller who is not an administrator', async () => {
    const bare = await t.signUp();
    expect((await send(bare.userId)).json().error.code).toBe('ERR_EMAIL_REQUIRED');
    const off = await t.signUp();
    const address = `off.${off.username}@example.org`;
    await t.server.users.update(off.userId, {
      email: { email: address, emailKey: address },
      disabled: true,
      updatedAt: t.clock.now(),
    });
    const disabled = await send(off.userId);
    expect(disabled.statusCode).toBe(400);
    expect(disabled.json().error.code).toBe('ERR_VALIDATION');
    expect((await send('no-such-user')).json().error.code).toBe('ERR_USER_NOT_FOUND');
    expect((await send(off.userId, bare.accessToken)).json().error.code).toBe('ERR_FORBIDDEN');
    await t.server.drainMail();
    expect(inbox.received.filter((received) => received.to.includes(address))).toEqual([]);
  });
});

describe('the admin console API with more users than any page reads', () => {
  const CROWD = 1500;
  let t: TestServer;
  let admin: Account;

  beforeAll(async () => {
    t = await startTestServer();
    admin = await t.signUp({ username: 'boss' });
    await t.server.users.update(admin.userId, { role: 'admin', updatedAt: t.clock.now() });
    admin = { ...admin, ...(await t.login(admin.username, admin.password)) };
    // Straight into the stores: a crowd of plain users, each signed in once, sorting before the few looked for.
    const sessions = createSqlSessionStore(t.server.database.db);
    const now = t.clock.now();
    for (let start = 0; start < CROWD; start += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, offset) => {
          const key = `crowd-${String(start + offset).padStart(4, '0')}`;
          const user = buildUserRecord({ username: key, usernameKey: key });
          await t.server.users.create(user);
          await sessions.create(buildSessionRecord(user.id), { now, maxActive: 0 });
        }),
      );
    }
    for (const key of ['zz-support-1', 'zz-support-2', 'zz-support-3']) {
      await t.server.users.create(buildUserRecord({ username: key, usernameKey: key, role: 'support' }));
    }
    await t.server.users.create(
      buildUserRecord({
        username: 'zz-mailed',
        usernameKey: 'zz-mailed',
        email: 'zz@example.org',
        emailKey: 'zz@example.org',
        emailVerifiedAt: now,
      }),
    );
  }, 120_000);
  afterAll(() => t?.close());

  const get = async (url: string) => {
    const res = await t.request({ method: 'GET', url, token: admin.accessToken });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it(`answers full pages of filtered matches that come after ${CROWD} other users`, async () => {
    const first = await get('/admin/users?role=support&limit=2');
    expect(first.users.map((user: Listed) => user.username)).toEqual(['zz-support-1', 'zz-support-2']);
    expect(first.nextCursor).not.toBeNull();
    const second = await get(`/admin/users?role=support&limit=2&cursor=${encodeURIComponent(first.nextCursor)}`);
    expect(second).toMatchObject({ users: [{ username: 'zz-support-3' }], nextCursor: null });
    expect((await get('/admin/users?verified=true&limit=5')).users.map((user: Listed) => user.username)).toEqual([
      'zz-mailed',
    ]);
    expect((await get('/admin/users?searchIn=email&search=ZZ@&limit=5')).users).toHaveLength(1);
    const unverified = await get('/admin/users?verified=false&disabled=false&role=user&limit=100&search=crowd-14');
    expect(unverified.users).toHaveLength(100);
  });

  it('counts the active sessions of every user on the overview, not of the first few hundred', async () => {
    const overview = await get('/admin/overview');
    // The crowd's sessions and the administrator's two (registration and login).
    expect((await t.server.sessions.list(admin.userId)).length).toBe(2);
    expect(overview.activeSessions).toEqual({ count: CROWD + 2, capped: false });
    expect(overview.users).toEqual({ count: CROWD + 5, capped: false });
  });
});
