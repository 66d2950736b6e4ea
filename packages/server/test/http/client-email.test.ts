import { createClient, JwtgateClientError } from '@jwtgate/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ListeningServer, startListeningServer } from '../support/listening-server.js';
import { linkSecret, type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';

describe("the client SDK's email methods against a real server and SMTP", () => {
  let inbox: SmtpInbox;
  let s: ListeningServer;
  beforeAll(async () => {
    inbox = await startSmtpInbox();
    s = await startListeningServer({
      metrics: false,
      env: { JWTGATE_MAIL_SMTP_URL: inbox.url(), JWTGATE_WEB_PUBLIC_URL: 'https://auth.example.test' },
    });
  });
  afterAll(async () => {
    await s.close();
    await inbox.close();
  });

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
