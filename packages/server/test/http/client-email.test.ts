import { createClient, type JwtgateClient, JwtgateClientError } from '@jwtgate/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ListeningServer, startListeningServer } from '../support/listening-server.js';
import { linkSecret, mailedCode, type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';

describe("the client SDK's email methods against a real server and SMTP", () => {
  let inbox: SmtpInbox;
  let s: ListeningServer;
  beforeAll(async () => {
    inbox = await startSmtpInbox();
    s = await startListeningServer({
      metrics: false,
      env: {
        JWTGATE_MAIL_SMTP_URL: inbox.url(),
        JWTGATE_WEB_PUBLIC_URL: 'https://auth.example.test',
        JWTGATE_AUTH_EMAIL_SIGN_IN: 'true',
      },
    });
  });
  afterAll(async () => {
    await s.close();
    await inbox.close();
  });

  /**
   * A client as a page on the server's own origin is: its cookie-mode
   * logins carry that `Origin` (a browser adds it; Node's fetch does not).
   */
  function pageClient() {
    const fromPage: typeof fetch = (input, init) => {
      const request = new Request(input, init);
      request.headers.set('origin', new URL(s.url).origin);
      return fetch(request);
    };
    return createClient({ baseUrl: s.url, channel: null, locks: null, fetch: fromPage });
  }

  /** Runs `steps` with a fresh {@link pageClient}, closed afterwards. */
  async function withPageClient(steps: (client: JwtgateClient) => Promise<void>): Promise<void> {
    const client = pageClient();
    try {
      await steps(client);
    } finally {
      client.close();
    }
  }

  /** The first mail to `to` whose subject matches among those received since `mark`, once the outbox is sent. */
  async function mailSince(mark: number, to: string, subject: RegExp) {
    await s.t.server.drainMail();
    return inbox.waitFor((m) => inbox.received.indexOf(m) >= mark && m.to.includes(to) && subject.test(m.subject));
  }

  async function failure(promise: Promise<unknown>): Promise<JwtgateClientError> {
    const error = await promise.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(JwtgateClientError);
    return error as JwtgateClientError;
  }

  it('reads the sign-up and sign-in settings a page draws its forms from', () =>
    withPageClient(async (client) => {
      expect(await client.settings()).toEqual({
        requireEmail: false,
        mail: true,
        emailSignIn: true,
        passkeys: true,
        registrationOpen: true,
      });
    }));

  it('verifies the signed-in address with the newest mailed code only, and not without a session', () =>
    withPageClient(async (client) => {
      const email = 'sdk-code@example.com';
      await client.register({ email, password: 'correct horse battery' });
      const first = mailedCode(await mailSince(0, email, /Confirm/));
      expect((await failure(client.verifyEmail({ code: first }))).code).toBe('ERR_TOKEN_MISSING');
      await client.login({ email, password: 'correct horse battery' });
      // The server's clock is a manual one: a second later, the new mail's code is the newest.
      s.t.clock.advance(1000);
      const mark = inbox.received.length;
      expect(await client.sendEmailVerification()).toBe(true);
      const code = mailedCode(await mailSince(mark, email, /Confirm/));
      // The first mail's code no longer counts once a newer one is sent.
      if (first !== code) {
        expect((await failure(client.verifyEmail({ code: first }))).code).toBe('ERR_EMAIL_TOKEN_INVALID');
      }
      expect(await client.verifyEmail({ code })).toEqual({ email, emailVerified: true });
      expect((await failure(client.verifyEmail({ code }))).code).toBe('ERR_EMAIL_TOKEN_INVALID');
      expect(await client.sendEmailVerification()).toBe(false);
      expect((await client.me()).user).toMatchObject({ email, emailVerified: true });
    }));

  it('signs in with the address and the mailed code, and refuses the code a second time', () =>
    withPageClient(async (client) => {
      const email = 'sdk-sign-in@example.com';
      await client.register({ email, password: 'correct horse battery' });
      await client.requestEmailSignIn(email);
      const code = mailedCode(await mailSince(0, email, /Sign in/));
      const signedIn = await client.signInWithEmail({ email, code, device: 'SDK test' });
      expect('mfaRequired' in signedIn).toBe(false);
      expect(client.state.status).toBe('signed-in');
      expect((await client.me()).user.email).toBe(email);
      const again = pageClient();
      try {
        expect((await failure(again.signInWithEmail({ email, code }))).code).toBe('ERR_EMAIL_TOKEN_INVALID');
        expect(again.state.status).not.toBe('signed-in');
      } finally {
        again.close();
      }
    }));

  it('moves the account to a new address only from the link mailed to it, ending its sessions', () =>
    withPageClient(async (client) => {
      const [old, next] = ['sdk-old@example.com', 'sdk-new@example.com'];
      await client.register({ email: old, password: 'correct horse battery' });
      await client.register({ email: 'sdk-taken@example.com', password: 'correct horse battery' });
      await client.login({ email: old, password: 'correct horse battery' });
      const wrong = await failure(client.changeEmail({ newEmail: next, password: 'not the password' }));
      expect(wrong.code).toBe('ERR_WRONG_CURRENT_PASSWORD');
      const taken = await failure(
        client.changeEmail({ newEmail: 'SDK-Taken@example.com', password: 'correct horse battery' }),
      );
      expect(taken.code).toBe('ERR_EMAIL_TAKEN');
      await client.changeEmail({ newEmail: next, password: 'correct horse battery' });
      expect((await mailSince(0, old, /being changed/)).text).toContain(next);
      const token = linkSecret(await mailSince(0, next, /new email address/), 'change-email');
      // Until the link is followed, the account keeps its old address.
      expect((await client.me()).user.email).toBe(old);

      expect(await client.confirmEmailChange(token)).toEqual({ email: next, emailVerified: true });
      expect((await failure(client.confirmEmailChange(token))).code).toBe('ERR_EMAIL_TOKEN_INVALID');
      expect((await failure(client.me())).code).toBe('ERR_TOKEN_REVOKED');
      expect((await failure(client.login({ email: old, password: 'correct horse battery' }))).code).toBe(
        'ERR_INVALID_CREDENTIALS',
      );
      await client.login({ email: next, password: 'correct horse battery' });
      expect((await client.me()).user).toMatchObject({ email: next, emailVerified: true });
    }));

  it('tells how long to wait when the mail limits refuse', () =>
    withPageClient(async (client) => {
      let refused: JwtgateClientError | undefined;
      for (let i = 0; i < 10 && refused === undefined; i++) {
        refused = await client.requestPasswordReset('sdk-limited@example.com').then(
          () => undefined,
          (error: unknown) => error as JwtgateClientError,
        );
      }
      expect(refused?.code).toBe('ERR_RATE_LIMITED');
      expect(refused?.status).toBe(429);
      expect(refused?.retryAfterSec).toBeGreaterThan(0);
    }));

  it('registers with an email, verifies it from the link, resets the password and reports a spent link by code', async () => {
    const client = createClient({ baseUrl: s.url, channel: null, locks: null });
    try {
      const email = 'sdk-user@example.com';
      const user = await client.register({ email, password: 'correct horse battery' });
      expect(user).toMatchObject({ email, emailVerified: false });
      await s.t.server.drainMail();
      const verify = await inbox.waitFor((m) => m.to.includes(email) && /Confirm/.test(m.subject));
      expect(await client.verifyEmail({ token: linkSecret(verify, 'verify-email') })).toEqual({
        email,
        emailVerified: true,
      });
      await client.requestPasswordReset(email);
      await client.requestPasswordReset('nobody-here@example.com');
      await s.t.server.drainMail();
      const reset = linkSecret(
        await inbox.waitFor((m) => m.to.includes(email) && /Reset/.test(m.subject)),
        'reset-password',
      );
      expect(await client.resetPassword({ token: reset, newPassword: 'a new passphrase' })).toBe(0);
      const again = await client
        .resetPassword({ token: reset, newPassword: 'another one' })
        .catch((error: unknown) => error);
      expect(again).toBeInstanceOf(JwtgateClientError);
      expect((again as JwtgateClientError).code).toBe('ERR_EMAIL_TOKEN_INVALID');
      expect(inbox.received.filter((m) => m.to.includes('nobody-here'))).toEqual([]);
    } finally {
      client.close();
    }
  });
});
