import { createClient, JwtgateClientError } from '@jwtgate/client';
import { registerUser } from '@jwtgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArgon2Hasher } from '../../src/passwords/argon2-hasher.js';
import { type ListeningServer, PASSWORD, startListeningServer } from '../support/listening-server.js';
import { linkSecret, type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';

describe("the client SDK's registration with an invitation, against a real server and SMTP", () => {
  let inbox: SmtpInbox;
  let s: ListeningServer;
  beforeAll(async () => {
    inbox = await startSmtpInbox();
    s = await startListeningServer({
      metrics: false,
      env: {
        JWTGATE_REGISTER_ENABLED: 'false',
        JWTGATE_MAIL_SMTP_URL: inbox.url(),
        JWTGATE_WEB_PUBLIC_URL: 'https://auth.example.test',
      },
    });
  });
  afterAll(async () => {
    await s.close();
    await inbox.close();
  });

  it('looks at an invitation, registers with it while registration is closed, and not twice', async () => {
    const { t } = s;
    await registerUser(
      { users: t.server.users, hasher: await createArgon2Hasher(), clock: t.clock },
      { username: 'sdk-admin', password: PASSWORD, role: 'admin' },
    );
    const { accessToken } = await t.login('sdk-admin', PASSWORD);
    const email = 'sdk-invitee@example.com';
    const made = await t.request({ method: 'POST', url: '/admin/invitations', token: accessToken, body: { email } });
    expect(made.statusCode, made.body).toBe(201);
    await t.server.drainMail();
    const secret = linkSecret(await inbox.waitFor((m) => m.to.includes(email)), 'invitation');

    const client = createClient({ baseUrl: s.url, channel: null, locks: null });
    try {
      expect((await client.settings()).registrationOpen).toBe(false);
      expect(await client.openInvitation(secret)).toEqual({ email, expiresAt: expect.any(String) });
      const user = await client.register({ username: 'sdk-invitee', password: PASSWORD, invitation: secret });
      expect(user).toMatchObject({ username: 'sdk-invitee', email, emailVerified: true, role: 'user' });
      const again = await client
        .register({ username: 'sdk-other', password: PASSWORD, invitation: secret })
        .catch((error: unknown) => error);
      expect(again).toBeInstanceOf(JwtgateClientError);
      expect((again as JwtgateClientError).code).toBe('ERR_INVITATION_INVALID');
      const look = await client.openInvitation(secret).catch((error: unknown) => error);
      expect((look as JwtgateClientError).code).toBe('ERR_INVITATION_INVALID');
    } finally {
      client.close();
    }
  });
});
