import { beforeAll, describe, expect, it } from 'vitest';
import { registerAddress, serverWithMailbox } from '../support/mailbox-owner.js';
import { linkSecret, mailedCode, type SmtpInbox } from '../support/smtp-inbox.js';
import type { TestServer } from '../support/test-server.js';

/**
 * Account pre-hijacking through a proof other than a reset: the squatter
 * registers the victim's address with a password of their own and stays
 * signed in; the owner of the mailbox then proves the address by signing in
 * with a mailed link or code. The account becomes the owner's, so the
 * squatter's sessions and password must not outlive that proof. The
 * verification link is the exception, by choice: it confirms a registration.
 */
describe('the first proof of an address hands the account to the mailbox', () => {
  const squattersPassword = 'the squatters own passphrase';
  const mailing = serverWithMailbox({ JWTGATE_AUTH_EMAIL_SIGN_IN: 'true' });
  let t: TestServer;
  let inbox: SmtpInbox;
  beforeAll(() => {
    ({ t, inbox } = mailing());
  });

  async function squat(label: string) {
    const email = `victim-${label}-${Date.now()}@example.com`;
    await registerAddress(t, email, squattersPassword);
    const login = await t.request({ method: 'POST', url: '/auth/login', body: { email, password: squattersPassword } });
    expect(login.statusCode).toBe(200);
    return { email, refreshToken: login.json().refreshToken as string };
  }

  async function mailTo(email: string, subject: RegExp) {
    await t.server.drainMail();
    return inbox.waitFor((m) => m.to.includes(email) && subject.test(m.subject));
  }

  async function squatterIsOut(email: string, refreshToken: string) {
    const refreshed = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
    expect(refreshed.statusCode).toBe(401);
    const login = await t.request({ method: 'POST', url: '/auth/login', body: { email, password: squattersPassword } });
    expect(login.statusCode).toBe(401);
    expect(login.json().error.code).toBe('ERR_INVALID_CREDENTIALS');
  }

  it('an emailed sign-in link ends the squatter’s sessions and voids their password', async () => {
    const { email, refreshToken } = await squat('link');
    expect((await t.request({ method: 'POST', url: '/auth/email/sign-in', body: { email } })).statusCode).toBe(202);
    const mail = await mailTo(email, /Sign in/i);
    const owner = await t.request({
      method: 'POST',
      url: '/auth/email/sign-in/verify',
      body: { token: linkSecret(mail, 'sign-in'), cookie: false },
    });
    expect(owner.statusCode, owner.body).toBe(200);
    // Whoever holds the mailbox, now signed in, is told that the password set before went.
    expect(owner.json().passwordRemoved).toBe(true);
    await squatterIsOut(email, refreshToken);
    // The owner's own session, started by the proof, lives on.
    const me = await t.request({ method: 'GET', url: '/auth/me', token: owner.json().accessToken });
    expect(me.statusCode).toBe(200);
    expect(me.json().user).toMatchObject({ email, emailVerified: true });
  });

  it('documents passwordRemoved in the API reference of the emailed sign-in, on both shapes of its answer', async () => {
    const reference = (await t.request({ method: 'GET', url: '/openapi.json' })).json();
    const answer =
      reference.paths['/auth/email/sign-in/verify'].post.responses['200'].content['application/json'].schema;
    // Each shape is a shared schema of its own, referred to by name.
    const shapes = (answer.anyOf as { $ref: string }[]).map(
      ({ $ref }) => reference.components.schemas[$ref.split('/').at(-1) as string].properties.passwordRemoved?.enum,
    );
    expect(shapes).toEqual([[true], [true]]);
  });

  it('an emailed sign-in code does the same', async () => {
    const { email, refreshToken } = await squat('code');
    await t.request({ method: 'POST', url: '/auth/email/sign-in', body: { email } });
    const mail = await mailTo(email, /Sign in/i);
    const owner = await t.request({
      method: 'POST',
      url: '/auth/email/sign-in/verify',
      body: { email, code: mailedCode(mail), cookie: false },
    });
    expect(owner.statusCode, owner.body).toBe(200);
    expect(owner.json().passwordRemoved).toBe(true);
    await squatterIsOut(email, refreshToken);
    // A second emailed sign-in removes nothing more, and says nothing of a password.
    await t.request({ method: 'POST', url: '/auth/email/sign-in', body: { email } });
    await t.server.drainMail();
    const next = await inbox.waitFor(
      (m) => m.to.includes(email) && /Sign in/i.test(m.subject) && mailedCode(m) !== mailedCode(mail),
    );
    const again = await t.request({
      method: 'POST',
      url: '/auth/email/sign-in/verify',
      body: { email, code: mailedCode(next), cookie: false },
    });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).not.toHaveProperty('passwordRemoved');
  });

  it('the verification link confirms a registration: the registrant keeps the password and stays signed in', async () => {
    // The usual case: someone registers, then opens the mail. Voiding the password here would lock out
    // every such owner; the mail tells anyone who did not sign up to ignore it (docs/accounts.md).
    const email = `owner-link-${Date.now()}@example.com`;
    const password = 'the owners own passphrase';
    await registerAddress(t, email, password);
    const login = await t.request({ method: 'POST', url: '/auth/login', body: { email, password } });
    const mail = await mailTo(email, /Confirm your email/);
    expect(mail.text).toContain('If you did not sign up');
    const verified = await t.request({
      method: 'POST',
      url: '/auth/email/verify',
      body: { token: linkSecret(mail, 'verify-email') },
    });
    expect(verified.statusCode, verified.body).toBe(200);
    const refreshed = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: login.json().refreshToken },
    });
    expect(refreshed.statusCode).toBe(200);
    expect((await t.request({ method: 'POST', url: '/auth/login', body: { email, password } })).statusCode).toBe(200);
  });

  it('a verification code, which needs a session of the account, keeps that session and the password, and ends the others', async () => {
    const email = `owner-code-${Date.now()}@example.com`;
    const password = 'the owners own passphrase';
    const { accessToken } = await registerAddress(t, email, password);
    const other = await t.request({ method: 'POST', url: '/auth/login', body: { email, password } });
    const mail = await mailTo(email, /Confirm your email/);
    const verified = await t.request({
      method: 'POST',
      url: '/auth/email/verify',
      token: accessToken,
      body: { code: mailedCode(mail) },
    });
    expect(verified.statusCode, verified.body).toBe(200);
    const stale = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: other.json().refreshToken },
    });
    expect(stale.statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(200);
    const login = await t.request({ method: 'POST', url: '/auth/login', body: { email, password } });
    expect(login.statusCode).toBe(200);
  });

  it('a later proof of an address proven already changes nothing', async () => {
    const email = `owner-again-${Date.now()}@example.com`;
    const password = 'the owners own passphrase';
    const { accessToken } = await registerAddress(t, email, password);
    const mail = await mailTo(email, /Confirm your email/);
    await t.request({
      method: 'POST',
      url: '/auth/email/verify',
      token: accessToken,
      body: { code: mailedCode(mail) },
    });
    const kept = await t.request({ method: 'POST', url: '/auth/login', body: { email, password } });
    await t.request({ method: 'POST', url: '/auth/email/sign-in', body: { email } });
    const signIn = await mailTo(email, /Sign in/i);
    const again = await t.request({
      method: 'POST',
      url: '/auth/email/sign-in/verify',
      body: { token: linkSecret(signIn, 'sign-in'), cookie: false },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).not.toHaveProperty('passwordRemoved');
    const refreshed = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: kept.json().refreshToken },
    });
    expect(refreshed.statusCode).toBe(200);
    expect((await t.request({ method: 'POST', url: '/auth/login', body: { email, password } })).statusCode).toBe(200);
  });
});
