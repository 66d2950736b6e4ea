import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackendPlace, backendAvailable, everyBackend, openBackend } from '../support/backends.js';
import { uniqueName } from '../support/services.js';
import { linkSecret, mailedCode, type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const password = 'correct horse battery staple';

describe.each(everyBackend.filter(backendAvailable))('every mail flow end to end on $name', (backend) => {
  let inbox: SmtpInbox;
  // SQLite: every instance and restart on the same file.
  let place: BackendPlace;
  const servers: TestServer[] = [];

  async function start(): Promise<TestServer> {
    const server = await startTestServer({
      ...(place.dataDir === undefined ? {} : { dataDir: place.dataDir }),
      env: {
        JWTGATE_MAIL_SMTP_URL: inbox.url(),
        JWTGATE_WEB_PUBLIC_URL: 'https://auth.example.test',
        JWTGATE_AUTH_EMAIL_SIGN_IN: 'true',
        ...place.env,
      },
    });
    servers.push(server);
    return server;
  }

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    place = await openBackend(backend);
  });
  afterAll(async () => {
    for (const server of servers.splice(0)) await server.close().catch(() => {});
    await inbox.close();
    await place?.remove();
  });

  it('verifies, resets, changes the address and signs in by mail', async () => {
    const t = await start();
    const email = `${uniqueName('flow')}@example.com`;
    await t.request({ method: 'POST', url: '/auth/register', body: { email, password } });
    const { accessToken } = await t
      .request({ method: 'POST', url: '/auth/login', body: { email, password } })
      .then((r) => r.json());
    await t.server.drainMail();
    const verify = await inbox.waitFor((m) => m.to.includes(email) && /Confirm your email/.test(m.subject));
    const verified = await t.request({
      method: 'POST',
      url: '/auth/email/verify',
      body: { token: linkSecret(verify, 'verify-email') },
    });
    expect(verified.json()).toEqual({ email, emailVerified: true });

    await t.request({ method: 'POST', url: '/auth/password/forgot', body: { email } });
    await t.server.drainMail();
    const reset = await inbox.waitFor((m) => m.to.includes(email) && /Reset/.test(m.subject));
    const newPassword = 'after the reset';
    const done = await t.request({
      method: 'POST',
      url: '/auth/password/reset',
      body: { token: linkSecret(reset, 'reset-password'), newPassword },
    });
    expect(done.statusCode, done.body).toBe(200);
    expect((await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(401);

    const next = await t
      .request({ method: 'POST', url: '/auth/login', body: { email, password: newPassword } })
      .then((r) => r.json());
    const newEmail = `${uniqueName('moved')}@example.com`;
    const change = await t.request({
      method: 'POST',
      url: '/auth/email/change',
      token: next.accessToken,
      body: { newEmail, password: newPassword },
    });
    expect(change.statusCode, change.body).toBe(202);
    await t.server.drainMail();
    const confirm = await inbox.waitFor((m) => m.to.includes(newEmail));
    const moved = await t.request({
      method: 'POST',
      url: '/auth/email/change/confirm',
      body: { token: linkSecret(confirm, 'change-email') },
    });
    expect(moved.json()).toEqual({ email: newEmail, emailVerified: true });

    await t.request({ method: 'POST', url: '/auth/email/sign-in', body: { email: newEmail } });
    await t.server.drainMail();
    const signIn = await inbox.waitFor((m) => m.to.includes(newEmail) && /Sign in/.test(m.subject));
    const session = await t.request({
      method: 'POST',
      url: '/auth/email/sign-in/verify',
      body: { email: newEmail, code: mailedCode(signIn) },
    });
    expect(session.statusCode, session.body).toBe(200);
  });

  it('lets exactly one of concurrent uses of a reset link win', async () => {
    const t = servers[0] ?? (await start());
    const email = `${uniqueName('race')}@example.com`;
    await t.request({ method: 'POST', url: '/auth/register', body: { email, password } });
    await t.request({ method: 'POST', url: '/auth/password/forgot', body: { email } });
    await t.server.drainMail();
    const token = linkSecret(
      await inbox.waitFor((m) => m.to.includes(email) && /Reset/.test(m.subject)),
      'reset-password',
    );
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.request({
          method: 'POST',
          url: '/auth/password/reset',
          body: { token, newPassword: `racing password ${i}` },
        }),
      ),
    );
    expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.statusCode === 400)).toHaveLength(5);
  });

  it('settles a reset racing a password change: one new password holds, never the other silently over it', async () => {
    const t = servers[0] ?? (await start());
    const email = `${uniqueName('rc')}@example.com`;
    await t.request({ method: 'POST', url: '/auth/register', body: { email, password } });
    const { accessToken } = await t
      .request({ method: 'POST', url: '/auth/login', body: { email, password } })
      .then((r) => r.json());
    await t.request({ method: 'POST', url: '/auth/password/forgot', body: { email } });
    await t.server.drainMail();
    const token = linkSecret(
      await inbox.waitFor((m) => m.to.includes(email) && /Reset/.test(m.subject)),
      'reset-password',
    );
    const [reset, change] = await Promise.all([
      t.request({ method: 'POST', url: '/auth/password/reset', body: { token, newPassword: 'set by the reset' } }),
      t.request({
        method: 'POST',
        url: '/auth/password',
        token: accessToken,
        body: { currentPassword: password, newPassword: 'set by the change' },
      }),
    ]);
    const works = async (candidate: string) =>
      (await t.request({ method: 'POST', url: '/auth/login', body: { email, password: candidate } })).statusCode ===
      200;
    const byReset = await works('set by the reset');
    const byChange = await works('set by the change');
    expect([byReset, byChange].filter(Boolean)).toHaveLength(1);
    expect(byReset).toBe(reset.statusCode === 200);
    expect(byChange).toBe(change.statusCode === 200);
    if (byReset) expect((await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(401);
  });

  it('keeps mail through an SMTP outage and a restart, then sends each once with two instances', async () => {
    for (const server of servers.splice(0)) await server.close();
    const first = await start();
    await inbox.stop();
    const emails = Array.from({ length: 4 }, () => `${uniqueName('queued')}@example.com`);
    for (const email of emails) {
      await first.request({ method: 'POST', url: '/auth/register', body: { email, password } });
    }
    await first.server.drainMail();
    // Restarted with the mails still queued: nothing was lost with the process.
    await first.close();
    servers.splice(servers.indexOf(first), 1);
    await inbox.start();
    const [a, b] = [await start(), await start()];
    // Past the retry wait on both instances' clocks.
    for (const t of [a, b]) t.clock.advance(10 * 60_000);
    await Promise.all([a.server.drainMail(), b.server.drainMail(), a.server.drainMail(), b.server.drainMail()]);
    for (const email of emails) await inbox.waitFor((m) => m.to.includes(email));
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const email of emails) {
      expect(
        inbox.received.filter((m) => m.to.includes(email)),
        email,
      ).toHaveLength(1);
    }
  });
});
