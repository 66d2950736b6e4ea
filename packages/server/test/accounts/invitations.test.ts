import { createEmailSecrets, isAuthError, normaliseEmail, registerUser, type UserRecord } from '@jwtgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArgon2Hasher } from '../../src/passwords/argon2-hasher.js';
import { createSqlInvitationStore } from '../../src/stores/sql/sql-invitation-store.js';
import { type BackendPlace, backendAvailable, everyBackend, openBackend } from '../support/backends.js';
import { captureLog, type LogCapture } from '../support/log-capture.js';
import { uniqueName } from '../support/services.js';
import { linkSecret, mailedLink, type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';
import { decodeJwt, startTestServer, TEST_REFRESH_SECRET, type TestServer } from '../support/test-server.js';

const password = 'correct horse battery staple';
const DAY_MS = 86_400_000;

/** An administrator made the way an operator would while registration is closed (`jwtgate user add --role admin`). */
async function addAdmin(t: TestServer): Promise<{ userId: string; username: string; accessToken: string }> {
  const username = uniqueName('admin');
  const hasher = await createArgon2Hasher();
  const user = await registerUser(
    { users: t.server.users, hasher, clock: t.clock },
    { username, password, role: 'admin' },
  );
  const { accessToken } = await t.login(username, password);
  return { userId: user.id, username, accessToken };
}

describe.each(everyBackend.filter((b) => !b.redis && backendAvailable(b)))('invitations on $name', (backend) => {
  let place: BackendPlace;
  let inbox: SmtpInbox;
  let t: TestServer;
  let log: LogCapture;
  let admin: { userId: string; username: string; accessToken: string };
  /** Every secret this suite saw, to look for in the log and the audit trail at the end. */
  const secrets: string[] = [];

  beforeAll(async () => {
    place = await openBackend(backend);
    inbox = await startSmtpInbox();
    log = captureLog();
    t = await startTestServer({
      ...(place.dataDir === undefined ? {} : { dataDir: place.dataDir }),
      env: {
        ...place.env,
        JWTGATE_REGISTER_ENABLED: 'false',
        JWTGATE_MAIL_SMTP_URL: inbox.url(),
        JWTGATE_WEB_PUBLIC_URL: 'https://auth.example.test',
        JWTGATE_AUDIT_DATABASE: 'true',
        JWTGATE_LOG_LEVEL: 'debug',
      },
      logStream: log.stream,
    });
    admin = await addAdmin(t);
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
    await place?.remove();
  });

  /** Invites `email` and answers the secret from the mail that arrived. */
  async function invite(email: string, role?: string, by = admin): Promise<{ id: string; secret: string }> {
    const res = await t.request({
      method: 'POST',
      url: '/admin/invitations',
      token: by.accessToken,
      body: { email, ...(role === undefined ? {} : { role }) },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.mailed).toBe(true);
    expect(body).not.toHaveProperty('link');
    expect(body.invitation).toMatchObject({ email, role: role ?? 'user', status: 'pending', createdBy: by.userId });
    await t.server.drainMail();
    const mail = await inbox.waitFor((m) => m.to.includes(email) && /invited/.test(m.subject));
    expect(mailedLink(mail, 'invitation')).toMatch(/^https:\/\/auth\.example\.test\/#invitation=jge1_/);
    const secret = linkSecret(mail, 'invitation');
    secrets.push(secret);
    return { id: body.invitation.id as string, secret };
  }

  const register = (body: Record<string, unknown>) => t.request({ method: 'POST', url: '/auth/register', body });

  async function statusOf(id: string): Promise<string> {
    const res = await t.request({ method: 'GET', url: '/admin/invitations?limit=100', token: admin.accessToken });
    expect(res.statusCode, res.body).toBe(200);
    const found = (res.json().invitations as { id: string; status: string }[]).find((i) => i.id === id);
    return found?.status ?? 'missing';
  }

  it('mails a link that registers one account while registration is closed, with the invited role and address, verified; a replay is refused', async () => {
    const closed = await register({ username: uniqueName('walk-in'), password });
    expect(closed.statusCode).toBe(403);
    expect(closed.json().error).toMatchObject({ code: 'ERR_REGISTRATION_CLOSED' });
    expect(closed.json().error.message).toMatch(/invite/);

    const email = `${uniqueName('bob')}@example.com`;
    const { id, secret } = await invite(email);
    const look = await t.request({ method: 'POST', url: '/auth/invitation', body: { invitation: secret } });
    expect(look.statusCode, look.body).toBe(200);
    expect(look.json().email).toBe(email);

    const username = uniqueName('bob');
    const res = await register({ username, password, invitation: secret });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ username, email, emailVerified: true, role: 'user' });
    const { accessToken } = await t.login(username, password);
    expect(decodeJwt(accessToken).payload).toMatchObject({ role: 'user' });
    expect(await statusOf(id)).toBe('used');

    const replay = await register({ username: uniqueName('bob'), password, invitation: secret });
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error.code).toBe('ERR_INVITATION_INVALID');
    const lookAgain = await t.request({ method: 'POST', url: '/auth/invitation', body: { invitation: secret } });
    expect(lookAgain.json().error.code).toBe('ERR_INVITATION_INVALID');

    // The registration names the invitation it used in the audit trail.
    await t.server.flushAudit();
    const registered = log.audit('user.registered').find((line) => line.userId === res.json().id);
    expect(registered?.invitationId).toBe(id);
    expect(log.audit('admin.invitation-created').some((line) => line.invitationId === id)).toBe(true);
  });

  it('gives an invited administrator the admin role, as a role change could', async () => {
    const email = `${uniqueName('ops')}@example.com`;
    const { secret } = await invite(email, 'admin');
    const res = await register({ password, invitation: secret });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ email, role: 'admin' });
    expect(res.json().username).toMatch(/^u-[0-9a-f]{16}$/);
  });

  it('keeps the invitation when the registration fails for another reason', async () => {
    const email = `${uniqueName('carol')}@example.com`;
    const { id, secret } = await invite(email);
    const weak = await register({ username: uniqueName('carol'), password: 'short', invitation: secret });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.code).toBe('ERR_INVALID_PASSWORD');
    // The invited address counts as the account's own, though the request does not repeat it.
    const ownAddress = await register({
      username: uniqueName('carol'),
      password: `${email.split('@')[0]?.toUpperCase()}-2024!`,
      invitation: secret,
    });
    expect(ownAddress.statusCode).toBe(400);
    expect(ownAddress.json().error.code).toBe('ERR_PASSWORD_CONTAINS_CONTEXT');
    const taken = await register({ username: admin.username.toUpperCase(), password, invitation: secret });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('ERR_USERNAME_TAKEN');
    const otherAddress = await register({
      username: uniqueName('carol'),
      email: 'someone-else@example.com',
      password,
      invitation: secret,
    });
    expect(otherAddress.statusCode).toBe(400);
    expect(otherAddress.json().error.code).toBe('ERR_VALIDATION');
    expect(await statusOf(id)).toBe('pending');
    const ok = await register({
      username: uniqueName('carol'),
      email: email.toUpperCase(),
      password,
      invitation: secret,
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(await statusOf(id)).toBe('used');
  });

  it('lets exactly one of concurrent registrations use an invitation', async () => {
    const { id, secret } = await invite(`${uniqueName('race')}@example.com`);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => register({ username: uniqueName('racer'), password, invitation: secret })),
    );
    // The losers hear that the invitation is used, not that its address is taken, however late they come.
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes, answers.map((a) => a.body).join('\n')).toEqual([201, 400, 400, 400, 400, 400, 400, 400]);
    for (const answer of answers.filter((a) => a.statusCode === 400)) {
      expect(answer.json().error.code).toBe('ERR_INVITATION_INVALID');
    }
    expect(await statusOf(id)).toBe('used');
  });

  it('lets exactly one of concurrent store calls use an invitation, however they interleave', async () => {
    const store = createSqlInvitationStore(t.server.database.db);
    const secretsMaker = createEmailSecrets(TEST_REFRESH_SECRET);
    const { secret } = await invite(`${uniqueName('store-race')}@example.com`);
    const hash = secretsMaker.hashLink('invitation', secret) as string;
    const live = await store.findLive(hash, t.clock.now());
    expect(live).not.toBeNull();
    const now = t.clock.now();
    const users: UserRecord[] = Array.from({ length: 8 }, (_, i) => {
      const username = uniqueName(`r${i}`);
      return {
        id: crypto.randomUUID(),
        username,
        usernameKey: username,
        passwordHash: 'x',
        role: live?.role ?? 'user',
        disabled: false,
        credentialVersion: 0,
        createdAt: now,
        updatedAt: now,
        // Distinct addresses, so that only the invitation can stop all but one.
        email: `${username}@example.com`,
        emailKey: `${username}@example.com`,
        emailVerifiedAt: now,
      };
    });
    const outcomes = await Promise.allSettled(users.map((user) => store.accept(hash, user, now)));
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const lost of outcomes.filter((o) => o.status === 'rejected')) {
      expect(isAuthError((lost as PromiseRejectedResult).reason, 'ERR_INVITATION_INVALID')).toBe(true);
    }
    const created = await Promise.all(users.map((user) => t.server.users.findById(user.id)));
    expect(created.filter((user) => user !== null)).toHaveLength(1);
  });

  it('refuses an invitation past its time, and lists it as expired', async () => {
    const { id, secret } = await invite(`${uniqueName('late')}@example.com`);
    t.clock.advance(7 * DAY_MS - 1000);
    // The administrator's access token has long expired by then: a fresh sign-in.
    admin = { ...admin, ...(await t.login(admin.username, password)) };
    expect(await statusOf(id)).toBe('pending');
    t.clock.advance(1000);
    expect(await statusOf(id)).toBe('expired');
    const res = await register({ username: uniqueName('late'), password, invitation: secret });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('ERR_INVITATION_INVALID');
    const revoke = await t.request({ method: 'DELETE', url: `/admin/invitations/${id}`, token: admin.accessToken });
    expect(revoke.statusCode).toBe(404);
    expect(revoke.json().error.code).toBe('ERR_INVITATION_NOT_FOUND');
  });

  it('revokes a pending invitation: its link stops working at once', async () => {
    const { id, secret } = await invite(`${uniqueName('dave')}@example.com`);
    const revoke = await t.request({ method: 'DELETE', url: `/admin/invitations/${id}`, token: admin.accessToken });
    expect(revoke.statusCode, revoke.body).toBe(200);
    expect(revoke.json().invitation).toMatchObject({ id, status: 'revoked' });
    const res = await register({ username: uniqueName('dave'), password, invitation: secret });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('ERR_INVITATION_INVALID');
    const again = await t.request({ method: 'DELETE', url: `/admin/invitations/${id}`, token: admin.accessToken });
    expect(again.json().error.code).toBe('ERR_INVITATION_NOT_FOUND');
    const unknown = await t.request({
      method: 'DELETE',
      url: `/admin/invitations/${crypto.randomUUID()}`,
      token: admin.accessToken,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('ERR_INVITATION_NOT_FOUND');
    await t.server.flushAudit();
    expect(log.audit('admin.invitation-revoked').some((line) => line.invitationId === id)).toBe(true);
  });

  it('answers one code for a secret never issued, malformed or already used', async () => {
    for (const invitation of [`jge1_${'A'.repeat(43)}`, 'nonsense', secrets[0] ?? '']) {
      const res = await register({ username: uniqueName('guess'), password, invitation });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('ERR_INVITATION_INVALID');
    }
  });

  it('pages the list newest first, filtered by status, never with the secret', async () => {
    const first = await t.request({ method: 'GET', url: '/admin/invitations?limit=2', token: admin.accessToken });
    expect(first.statusCode, first.body).toBe(200);
    const page1 = first.json();
    expect(page1.invitations).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const second = await t.request({
      method: 'GET',
      url: `/admin/invitations?limit=2&cursor=${page1.nextCursor}`,
      token: admin.accessToken,
    });
    const page2 = second.json();
    const ids = [...page1.invitations, ...page2.invitations].map((i: { id: string }) => i.id);
    expect(new Set(ids).size).toBe(4);
    const times = [...page1.invitations, ...page2.invitations].map((i: { createdAt: string }) => i.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    const used = await t.request({ method: 'GET', url: '/admin/invitations?status=used', token: admin.accessToken });
    expect(used.json().invitations.length).toBeGreaterThanOrEqual(3);
    expect(used.json().invitations.every((i: { status: string }) => i.status === 'used')).toBe(true);
    const bad = await t.request({ method: 'GET', url: '/admin/invitations?cursor=%25%25', token: admin.accessToken });
    expect(bad.json().error.code).toBe('ERR_INVALID_CURSOR');
    const text = JSON.stringify([page1, page2, used.json()]);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it("voids an administrator's pending invitations once they are demoted, disabled or deleted", async () => {
    // An administrator about to lose the role must not keep a way back in: an invitation to an
    // address of their own would otherwise register a fresh administrator after the demotion.
    const take: Record<string, (userId: string) => Promise<{ statusCode: number; body: string }>> = {
      demoted: (userId) =>
        t.request({ method: 'PATCH', url: `/admin/users/${userId}`, token: admin.accessToken, body: { role: 'user' } }),
      disabled: (userId) =>
        t.request({ method: 'POST', url: `/admin/users/${userId}/disable`, token: admin.accessToken }),
      deleted: (userId) => t.request({ method: 'DELETE', url: `/admin/users/${userId}`, token: admin.accessToken }),
    };
    for (const [how, revoke] of Object.entries(take)) {
      const rogue = await addAdmin(t);
      const email = `${uniqueName(`rogue-${how}`)}@example.com`;
      const { secret } = await invite(email, 'admin', rogue);
      const taken = await revoke(rogue.userId);
      expect(taken.statusCode, taken.body).toBe(200);

      const look = await t.request({ method: 'POST', url: '/auth/invitation', body: { invitation: secret } });
      expect(look.statusCode, `${how}: ${look.body}`).toBe(400);
      expect(look.json().error.code).toBe('ERR_INVITATION_INVALID');
      const res = await register({ username: uniqueName('comeback'), password, invitation: secret });
      expect(res.statusCode, `${how}: ${res.body}`).toBe(400);
      expect(res.json().error.code).toBe('ERR_INVITATION_INVALID');
      expect(await t.server.users.findByEmailKey(normaliseEmail(email).key)).toBeNull();
    }
    // An invitation of an administrator who keeps the role still works.
    const { secret } = await invite(`${uniqueName('kept')}@example.com`, 'user', await addAdmin(t));
    expect((await register({ password, invitation: secret })).statusCode).toBe(201);
  });

  it('refuses non-administrators, before reading the request', async () => {
    const { secret } = await invite(`${uniqueName('eve')}@example.com`);
    const username = uniqueName('eve');
    expect((await register({ username, password, invitation: secret })).statusCode).toBe(201);
    const { accessToken } = await t.login(username, password);
    for (const [method, url, body] of [
      ['POST', '/admin/invitations', { email: 'x@example.com', role: 'admin' }],
      ['GET', '/admin/invitations', undefined],
      ['DELETE', `/admin/invitations/${crypto.randomUUID()}`, undefined],
    ] as const) {
      const res = await t.request({ method, url, token: accessToken, ...(body === undefined ? {} : { body }) });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('ERR_FORBIDDEN');
    }
    const anonymous = await t.request({ method: 'GET', url: '/admin/invitations' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('refuses to invite an address an account has, and a role that is no role', async () => {
    const email = `${uniqueName('frank')}@example.com`;
    const { secret } = await invite(email);
    expect((await register({ password, invitation: secret })).statusCode).toBe(201);
    const taken = await t.request({
      method: 'POST',
      url: '/admin/invitations',
      token: admin.accessToken,
      body: { email },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('ERR_EMAIL_TAKEN');
    const badRole = await t.request({
      method: 'POST',
      url: '/admin/invitations',
      token: admin.accessToken,
      body: { email: 'g@example.com', role: 'Not A Role' },
    });
    expect(badRole.statusCode).toBe(400);
    expect(badRole.json().error.code).toBe('ERR_VALIDATION');
  });

  it('never writes a secret into the log or the audit trail', async () => {
    await t.server.flushAudit();
    expect(secrets.length).toBeGreaterThan(5);
    const audit = await t.server.database.db.selectFrom('jwtgate_audit').selectAll().execute();
    const trail = JSON.stringify(audit);
    expect(trail).toContain('admin.invitation-created');
    for (const secret of secrets) {
      expect(log.text()).not.toContain(secret);
      expect(trail).not.toContain(secret);
      // Nor the part after the prefix, in case something cut or re-encoded it.
      expect(log.text()).not.toContain(secret.slice(5, 30));
    }
  });
});

describe('invitations on a server that sends no mail', () => {
  let t: TestServer;
  let admin: { userId: string; username: string; accessToken: string };
  beforeAll(async () => {
    t = await startTestServer({
      env: {
        JWTGATE_REGISTER_ENABLED: 'false',
        JWTGATE_MAIL_ENABLED: 'false',
        JWTGATE_WEB_PUBLIC_URL: 'https://auth.example.test',
        JWTGATE_REGISTER_INVITATION_TTL: '3600',
      },
    });
    admin = await addAdmin(t);
  });
  afterAll(() => t.close());

  it('answers the link to the administrator, once, and it registers', async () => {
    const email = 'nomail@example.com';
    const res = await t.request({
      method: 'POST',
      url: '/admin/invitations',
      token: admin.accessToken,
      body: { email },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.mailed).toBe(false);
    expect(body.link).toMatch(/^https:\/\/auth\.example\.test\/#invitation=jge1_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(body.invitation.expiresAt) - Date.parse(body.invitation.createdAt)).toBe(3_600_000);
    const list = await t.request({ method: 'GET', url: '/admin/invitations', token: admin.accessToken });
    expect(list.body).not.toContain(body.link.split('=')[1]);
    const secret = (body.link as string).split('#invitation=')[1] as string;
    const registered = await t.request({
      method: 'POST',
      url: '/auth/register',
      body: { username: 'nomail', password, invitation: secret },
    });
    expect(registered.statusCode, registered.body).toBe(201);
    expect(registered.json()).toMatchObject({ email, emailVerified: true });
  });
});
