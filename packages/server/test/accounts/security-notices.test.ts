import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landing, linkThroughProvider, signInThroughApi, startServerWithProviders } from '../support/federated-flow.js';
import { type OidcProvider, startOidcProvider } from '../support/identity-providers.js';
import { captureLog } from '../support/log-capture.js';
import { serverWithMailbox } from '../support/mailbox-owner.js';
import { codeFor, enrolTotp, verify } from '../support/mfa-steps.js';
import { addPasskey, PASSKEY_ORIGIN } from '../support/passkey-steps.js';
import { linkSecret, type ReceivedMail, type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';
import { createSoftwareAuthenticator } from '../support/software-authenticator.js';
import { runCli, useProcessSandbox } from '../support/spawn-server.js';
import {
  decodeJwt,
  startTestServer,
  TEST_ACCESS_SECRET,
  TEST_REFRESH_SECRET,
  type TestServer,
} from '../support/test-server.js';

const password = 'correct horse battery staple';
const newPassword = 'a brand new passphrase for notices';
const browser = 'NoticeTest/1.0 <script>alert(1)</script>';
let counter = 0;
const fresh = (tag: string) => `${tag}-${++counter}-${Math.random().toString(36).slice(2, 7)}@example.com`;
const isNotice = (mail: ReceivedMail) => /^Security notice from /.test(mail.subject);

/** Registers `email` and signs in; with `verified`, first proves the address by the mailed link. */
async function account(t: TestServer, inbox: SmtpInbox, email: string, verified: boolean) {
  const registered = await t.request({ method: 'POST', url: '/auth/register', body: { email, password } });
  expect(registered.statusCode, registered.body).toBe(201);
  if (verified) {
    await t.server.drainMail();
    const mail = await inbox.waitFor((m) => m.to.includes(email) && /Confirm your email/.test(m.subject));
    const proof = await t.request({
      method: 'POST',
      url: '/auth/email/verify',
      body: { token: linkSecret(mail, 'verify-email') },
    });
    expect(proof.statusCode, proof.body).toBe(200);
  }
  const login = await t.request({ method: 'POST', url: '/auth/login', body: { email, password } });
  expect(login.statusCode, login.body).toBe(200);
  return { userId: registered.json().id as string, email, accessToken: login.json().accessToken as string };
}

/** The notices `email` has received once what was queued is delivered. */
async function noticesTo(t: TestServer, inbox: SmtpInbox, email: string): Promise<ReceivedMail[]> {
  await t.server.drainMail();
  return inbox.received.filter((m) => m.to.includes(email) && isNotice(m));
}

const changePassword = (t: TestServer, token: string, from: string, to: string) =>
  t.request({
    method: 'POST',
    url: '/auth/password',
    token,
    headers: { 'user-agent': browser },
    body: { currentPassword: from, newPassword: to },
  });

describe('security notices to the verified address', () => {
  // One attempt per mail: a refused notice is given up on at once.
  const mailing = serverWithMailbox({
    JWTGATE_WEB_PUBLIC_URL: PASSKEY_ORIGIN,
    JWTGATE_MAIL_MAX_ATTEMPTS: '1',
    JWTGATE_METRICS_ENABLED: 'true',
  });

  it('mails one notice per change to how the account signs in, naming it and the client, with no secret', async () => {
    const { t, inbox } = mailing();
    const email = fresh('notice');
    const user = await account(t, inbox, email, true);
    const secrets: string[] = [password, newPassword];
    const expectNotices = async (changes: RegExp[]) => {
      const notices = await noticesTo(t, inbox, email);
      expect(notices.map((m) => m.subject)).toEqual(changes.map((change) => expect.stringMatching(change)));
      return notices;
    };

    const changed = await changePassword(t, user.accessToken, password, newPassword);
    expect(changed.statusCode, changed.body).toBe(200);
    const [notice] = await expectNotices([/your password was changed/]);
    expect(notice?.text).toContain(`Browser or app: ${browser}`);
    expect(notice?.text).toContain('From the network: 127.0.0.1');
    expect(notice?.text).toMatch(/When: \w{3}, \d{2} \w{3} \d{4} [\d:]{8} GMT/);
    expect(notice?.text).toContain('Forgot your password?');
    expect(notice?.text).toContain('sign out everywhere');
    // The browser's name is the client's to choose: escaped in the HTML.
    expect(notice?.html).toContain('NoticeTest/1.0 &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(notice?.html).not.toContain('<script>');

    const app = await enrolTotp(t, { accessToken: user.accessToken, password: newPassword });
    secrets.push(app.secret, ...app.recoveryCodes);
    await expectNotices([/password was changed/, /authenticator app was turned on/]);

    // Recovery codes and the app's removal need a sign-in with the app (step-up).
    const paused = await t.request({ method: 'POST', url: '/auth/login', body: { email, password: newPassword } });
    expect(paused.json().mfaRequired, paused.body).toBe(true);
    const step = await verify(t, paused.json().mfaToken, codeFor(app.secret, t.clock.now()));
    expect(step.statusCode, step.body).toBe(200);
    const stepped = step.json().accessToken as string;
    t.clock.advance(30_000);
    const renewed = await t.request({
      method: 'POST',
      url: '/auth/mfa/recovery-codes',
      token: stepped,
      body: { password: newPassword },
    });
    expect(renewed.statusCode, renewed.body).toBe(200);
    secrets.push(...renewed.json().recoveryCodes);
    await expectNotices([/password was changed/, /authenticator app was turned on/, /new recovery codes/]);

    const passkeyId = await addPasskey(
      t,
      stepped,
      createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN }),
      newPassword,
    );
    const removed = await t.request({ method: 'DELETE', url: `/auth/passkeys/${passkeyId}`, token: stepped, body: {} });
    expect(removed.statusCode, removed.body).toBe(204);
    const off = await t.request({
      method: 'DELETE',
      url: '/auth/mfa/totp',
      token: stepped,
      body: { password: newPassword },
    });
    expect(off.statusCode, off.body).toBe(204);
    const all = await expectNotices([
      /password was changed/,
      /authenticator app was turned on/,
      /new recovery codes/,
      /a passkey was added/,
      /a passkey was removed/,
      /authenticator app was turned off/,
    ]);
    for (const mail of all) {
      expect(mail.to).toBe(email);
      for (const secret of secrets) {
        expect(mail.text).not.toContain(secret);
        expect(mail.html).not.toContain(secret);
      }
      expect(mail.text).not.toMatch(/jge1_/);
    }
  });

  it('mails one notice after a reset by the mailed link, and one when an administrator removes the factors', async () => {
    const { t, inbox } = mailing();
    const email = fresh('reset');
    const user = await account(t, inbox, email, true);
    await enrolTotp(t, { accessToken: user.accessToken, password });
    const forgot = await t.request({ method: 'POST', url: '/auth/password/forgot', body: { email } });
    expect(forgot.statusCode).toBe(202);
    await t.server.drainMail();
    const link = await inbox.waitFor((m) => m.to.includes(email) && /Reset your/.test(m.subject));
    const token = linkSecret(link, 'reset-password');
    const reset = await t.request({ method: 'POST', url: '/auth/password/reset', body: { token, newPassword } });
    expect(reset.statusCode, reset.body).toBe(200);
    const notices = await noticesTo(t, inbox, email);
    expect(notices.map((m) => m.subject)).toEqual([
      expect.stringMatching(/authenticator app was turned on/),
      expect.stringMatching(/your password was reset with a link/),
    ]);
    expect(notices[1]?.text).not.toContain(token);

    const boss = await t.signUp();
    await t.server.users.update(boss.userId, { role: 'admin', updatedAt: t.clock.now() });
    const bossToken = (await t.login(boss.username, boss.password)).accessToken;
    const cleared = await t.request({
      method: 'DELETE',
      url: `/admin/users/${user.userId}/mfa`,
      token: bossToken,
      headers: { 'user-agent': 'AdminConsole/7' },
    });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json().removed).toBe(true);
    const afterAdmin = await noticesTo(t, inbox, email);
    expect(afterAdmin).toHaveLength(3);
    expect(afterAdmin[2]?.subject).toMatch(/an administrator removed your second factors/);
    // The administrator's own network and browser are not the user's to see.
    expect(afterAdmin[2]?.text).not.toContain('AdminConsole');
    // Nothing was left to remove: nothing changed, nothing is told.
    const again = await t.request({ method: 'DELETE', url: `/admin/users/${user.userId}/mfa`, token: bossToken });
    expect(again.json().removed).toBe(false);
    expect(await noticesTo(t, inbox, email)).toHaveLength(3);
  });

  it('mails nothing to an address nobody has proven: it may be a squatter’s', async () => {
    const { t, inbox } = mailing();
    const email = fresh('unproven');
    const user = await account(t, inbox, email, false);
    const changed = await changePassword(t, user.accessToken, password, newPassword);
    expect(changed.statusCode, changed.body).toBe(200);
    expect(await noticesTo(t, inbox, email)).toEqual([]);
    // The verification mail went out, so delivery works; no notice did.
    expect(inbox.received.filter((m) => m.to.includes(email)).map((m) => m.subject)).toEqual([
      expect.stringMatching(/Confirm your email/),
    ]);
  });

  it('keeps the change when the SMTP server refuses the notice, and counts the mail as failed', async () => {
    const { t, inbox } = mailing();
    const email = fresh('refused');
    const user = await account(t, inbox, email, true);
    inbox.refused.add(email);
    const changed = await changePassword(t, user.accessToken, password, newPassword);
    expect(changed.statusCode, changed.body).toBe(200);
    expect(await noticesTo(t, inbox, email)).toEqual([]);
    const login = await t.request({ method: 'POST', url: '/auth/login', body: { email, password: newPassword } });
    expect(login.statusCode, login.body).toBe(200);
    const old = await t.request({ method: 'POST', url: '/auth/login', body: { email, password } });
    expect(old.statusCode).toBe(401);
    const rows = await t.server.database.db
      .selectFrom('jwtgate_mail_outbox')
      .select(['kind', 'status', 'last_error'])
      .where('recipient', '=', email)
      .where('kind', '=', 'security-notice')
      .execute();
    expect(rows).toEqual([
      { kind: 'security-notice', status: 'failed', last_error: expect.stringContaining('SMTP 550 after RCPT') },
    ]);
    expect(t.server.metrics?.registry.render()).toMatch(
      /jwtgate_mails_total\{outcome="failed",kind="security-notice"\} 1\b/,
    );
  });
});

describe('security notices turned off', () => {
  const mailing = serverWithMailbox({ JWTGATE_MAIL_SECURITY_NOTICES: 'false' });

  it('mails no notice with Mail.SecurityNotices: false, and the other mails as before', async () => {
    const { t, inbox } = mailing();
    const email = fresh('off');
    const user = await account(t, inbox, email, true);
    const changed = await changePassword(t, user.accessToken, password, newPassword);
    expect(changed.statusCode, changed.body).toBe(200);
    expect(await noticesTo(t, inbox, email)).toEqual([]);
    const forgot = await t.request({ method: 'POST', url: '/auth/password/forgot', body: { email } });
    expect(forgot.statusCode).toBe(202);
    await t.server.drainMail();
    await inbox.waitFor((m) => m.to.includes(email) && /Reset your/.test(m.subject));
  });
});

describe('security notices of identities', () => {
  let idp: OidcProvider;
  let inbox: SmtpInbox;
  let t: TestServer;
  beforeAll(async () => {
    idp = await startOidcProvider();
    inbox = await startSmtpInbox();
    t = await startServerWithProviders(
      `OAuth:\n  AutoLinkVerifiedEmail: true\n  Providers:\n    idp:\n      Issuer: ${idp.issuer}\n      ClientId: jwtgatetest\n`,
      {
        JWTGATE_OAUTH_PROVIDERS_IDP_CLIENT_SECRET: 'idp-client-secret-value',
        JWTGATE_MAIL_SMTP_URL: inbox.url(),
        JWTGATE_MAIL_FROM: 'Example <no-reply@example.test>',
      },
    );
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
    await idp?.stop();
  });

  it('mails one notice when an identity is linked, by the user or by its verified address, and one when unlinked', async () => {
    const email = fresh('linked');
    const user = await account(t, inbox, email, true);
    idp.claims = { sub: `linked-${Date.now()}` };
    const linked = await linkThroughProvider(t, 'idp', user.accessToken);
    expect(landing(linked).url.hash).toBe('#oauth-linked=idp');
    const unlinked = await t.request({ method: 'DELETE', url: '/auth/identities/idp', token: user.accessToken });
    expect(unlinked.statusCode, unlinked.body).toBe(204);
    // An identity whose provider vouches for the address joins the account without a session: told too.
    idp.claims = { sub: `by-address-${Date.now()}`, email, email_verified: true };
    const signedIn = await signInThroughApi(t, 'idp');
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    const notices = await noticesTo(t, inbox, email);
    expect(notices.map((m) => m.subject)).toEqual([
      expect.stringMatching(/a sign-in with idp was linked/),
      expect.stringMatching(/the sign-in with idp was unlinked/),
      expect.stringMatching(/a sign-in with idp was linked/),
    ]);
  });

  it('mails nothing for the identity an account was made with', async () => {
    const email = fresh('made-by-idp');
    idp.claims = { sub: `new-${Date.now()}`, email, email_verified: true };
    const signedUp = await signInThroughApi(t, 'idp');
    expect(signedUp.statusCode, signedUp.body).toBe(200);
    // Made with the provider's verified address, verified: a notice would have gone there.
    const made = await t.server.users.findById(decodeJwt(signedUp.json().accessToken).payload.sub as string);
    expect(made?.email).toBe(email);
    expect(made?.emailVerifiedAt).not.toBeNull();
    await t.server.drainMail();
    expect(inbox.received.filter((m) => m.to.includes(email))).toEqual([]);
  });
});

describe('security notices of changes made at the command line', () => {
  const dir = useProcessSandbox('jwtgate-notices-cli-');
  let inbox: SmtpInbox;
  let t: TestServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    inbox = await startSmtpInbox();
    env = {
      JWTGATE_AUTH_ACCESS_SECRET: TEST_ACCESS_SECRET,
      JWTGATE_AUTH_REFRESH_SECRET: TEST_REFRESH_SECRET,
      JWTGATE_MAIL_SMTP_URL: inbox.url(),
      JWTGATE_WEB_PUBLIC_URL: 'https://auth.example.test',
    };
    t = await startTestServer({ env });
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  it('queues a notice for `jwtgate user set-password`, which the running server delivers', async () => {
    const email = fresh('operator-set');
    const user = await account(t, inbox, email, true);
    const set = await runCli(['user', 'set-password', user.userId, '--password-stdin', '--yes'], {
      cwd: dir.path,
      env: { ...env, JWTGATE_DATA_DIR: t.dataDir },
      input: newPassword,
      timeoutMs: 20_000,
    });
    expect(set.code, set.stderr).toBe(0);
    // The command queued it with the time of day; the server's clock is a manual one.
    t.clock.set(Date.now());
    const notices = await noticesTo(t, inbox, email);
    expect(notices.map((m) => m.subject)).toEqual([expect.stringMatching(/an administrator set a new password/)]);
    expect(notices[0]?.text).not.toContain(newPassword);
    expect(notices[0]?.text).not.toContain('jwtgate-cli');
  });

  it('mails nothing for the commands that change no authentication detail: access, role, sessions', async () => {
    const email = fresh('operator-access');
    const user = await account(t, inbox, email, true);
    for (const command of [
      ['user', 'disable', user.userId, '--yes'],
      ['user', 'enable', user.userId],
      ['user', 'set-role', user.userId, 'auditor', '--yes'],
      ['user', 'logout', user.userId, '--yes'],
    ]) {
      const run = await runCli(command, {
        cwd: dir.path,
        env: { ...env, JWTGATE_DATA_DIR: t.dataDir },
        timeoutMs: 20_000,
      });
      expect(run.code, run.stderr).toBe(0);
    }
    t.clock.set(Date.now());
    expect(await noticesTo(t, inbox, email)).toEqual([]);
  });
});

describe('a security notice the outbox refuses', () => {
  const log = captureLog();
  const mailing = serverWithMailbox(
    { JWTGATE_METRICS_ENABLED: 'true' },
    { logger: { level: 'info', stream: log.stream } },
  );

  it('keeps the change, logs the failure without the address, and counts and audits the notice as failed', async () => {
    const { t, inbox } = mailing();
    const email = fresh('outbox-refuses');
    const user = await account(t, inbox, email, true);
    // The database itself refuses to queue the notice, after the change was stored.
    await sql`CREATE TRIGGER refuse_notices BEFORE INSERT ON jwtgate_mail_outbox WHEN NEW.kind = 'security-notice'
      BEGIN SELECT RAISE(ABORT, 'notices refused'); END`.execute(t.server.database.db);
    try {
      const changed = await changePassword(t, user.accessToken, password, newPassword);
      expect(changed.statusCode, changed.body).toBe(200);
      expect(await noticesTo(t, inbox, email)).toEqual([]);
    } finally {
      await sql`DROP TRIGGER refuse_notices`.execute(t.server.database.db);
    }
    const login = await t.request({ method: 'POST', url: '/auth/login', body: { email, password: newPassword } });
    expect(login.statusCode, login.body).toBe(200);
    const failures = log.lines().filter((line) => line.msg === 'security notice not queued');
    expect(failures).toEqual([
      expect.objectContaining({ userId: user.userId, kind: 'security-notice', change: 'password-changed' }),
    ]);
    expect(log.text()).not.toContain(email);
    expect(log.audit('email.failed')).toEqual([
      expect.objectContaining({ kind: 'security-notice', attempts: 0, error: 'ERR_STORE_UNAVAILABLE' }),
    ]);
    expect(t.server.metrics?.registry.render()).toMatch(
      /jwtgate_mails_total\{outcome="failed",kind="security-notice"\} 1\b/,
    );
  });
});
