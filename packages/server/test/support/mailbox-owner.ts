import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { linkSecret, type SmtpInbox, startSmtpInbox } from './smtp-inbox.js';
import { startTestServer, type TestServer } from './test-server.js';

/**
 * Within a `describe`: starts an SMTP inbox and a test server that mails to
 * it (with `env` besides) before its tests, and closes both after them.
 *
 * @example
 * const mailing = serverWithMailbox({ JWTGATE_AUTH_EMAIL_SIGN_IN: 'true' });
 * it('…', async () => { const { t, inbox } = mailing(); … });
 */
export function serverWithMailbox(
  env: Record<string, string> = {},
  options: Pick<Parameters<typeof startTestServer>[0] & object, 'logger'> = {},
): () => { t: TestServer; inbox: SmtpInbox } {
  let inbox: SmtpInbox | undefined;
  let t: TestServer | undefined;
  beforeAll(async () => {
    inbox = await startSmtpInbox();
    t = await startTestServer({
      env: { JWTGATE_MAIL_SMTP_URL: inbox.url(), JWTGATE_MAIL_FROM: 'Example <no-reply@example.test>', ...env },
      ...options,
    });
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });
  return () => {
    if (t === undefined || inbox === undefined) throw new Error('the test server is not started yet');
    return { t, inbox };
  };
}

/**
 * Registers `email` (unverified: nobody has opened a mail yet) with `password`
 * and logs in: what anyone can do with an address that is not theirs.
 *
 * @example
 * const squatter = await registerAddress(t, 'victim@example.com', 'squatters passphrase');
 */
export async function registerAddress(
  t: TestServer,
  email: string,
  password: string,
): Promise<{ userId: string; accessToken: string }> {
  const registered = await t.request({ method: 'POST', url: '/auth/register', body: { email, password } });
  expect(registered.statusCode, registered.body).toBe(201);
  const login = await t.request({ method: 'POST', url: '/auth/login', body: { email, password } });
  expect(login.statusCode, login.body).toBe(200);
  return { userId: registered.json().id, accessToken: login.json().accessToken };
}

/**
 * The owner of the mailbox takes the account of `email` back: a reset link
 * from the mailbox, a new password, then a login with it. Returns the login's answer.
 *
 * @example
 * const owner = await takeBackByReset(t, inbox, 'victim@example.com', 'owners new passphrase');
 */
export async function takeBackByReset(
  t: TestServer,
  inbox: SmtpInbox,
  email: string,
  newPassword: string,
): Promise<LightMyRequestResponse> {
  const forgot = await t.request({ method: 'POST', url: '/auth/password/forgot', body: { email } });
  expect(forgot.statusCode).toBe(202);
  await t.server.drainMail();
  const mail = await inbox.waitFor((m) => m.to.includes(email) && /Reset your/.test(m.subject));
  const reset = await t.request({
    method: 'POST',
    url: '/auth/password/reset',
    body: { token: linkSecret(mail, 'reset-password'), newPassword },
  });
  expect(reset.statusCode, reset.body).toBe(200);
  return t.request({ method: 'POST', url: '/auth/login', body: { email, password: newPassword } });
}
