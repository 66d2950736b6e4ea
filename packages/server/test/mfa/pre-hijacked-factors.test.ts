import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAddress, takeBackByReset } from '../support/mailbox-owner.js';
import { PASSKEY_ORIGIN, registerWith } from '../support/passkey-steps.js';
import { type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';
import { createSoftwareAuthenticator } from '../support/software-authenticator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Account pre-hijacking: the attacker registers the victim's address, which
 * nobody has proven yet, and adds a factor of their own. The victim, finding
 * the address taken, resets the password through their mailbox; a passkey
 * would still sign the attacker in without a password, and either would ask
 * the owner for a second factor they do not have.
 */
describe('second factors added before the account proved its address', () => {
  let inbox: SmtpInbox;
  let t: TestServer;
  beforeAll(async () => {
    inbox = await startSmtpInbox();
    t = await startTestServer({
      env: {
        JWTGATE_WEB_PUBLIC_URL: PASSKEY_ORIGIN,
        JWTGATE_MFA_REQUIRED_FOR_ROLES: 'admin',
        JWTGATE_MAIL_SMTP_URL: inbox.url(),
        JWTGATE_MAIL_FROM: 'Example <no-reply@example.test>',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  it('refuses a passkey while the address is unverified, so the reset by the mailbox owner leaves no way in', async () => {
    const address = `victim-${Date.now()}@example.com`;
    const squatter = await registerAddress(t, address, 'the squatters own passphrase');
    const options = await t.request({
      method: 'POST',
      url: '/auth/passkeys/register/options',
      token: squatter.accessToken,
    });
    expect(options.statusCode).toBe(403);
    expect(options.json().error.code).toBe('ERR_EMAIL_NOT_VERIFIED');

    // The owner of the mailbox takes the account back by a reset, which proves the address.
    const owner = await takeBackByReset(t, inbox, address, 'the owners new passphrase');
    // Signed in with the password alone: no second factor of the squatter's stands in the way.
    expect(owner.json()).toMatchObject({ tokenType: 'Bearer' });
    const passkeys = await t.request({ method: 'GET', url: '/auth/passkeys', token: owner.json().accessToken });
    expect(passkeys.json().passkeys).toEqual([]);

    // Once the address is proven, the owner adds passkeys as before.
    const added = await registerWith(
      t,
      owner.json().accessToken,
      createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN }),
      {},
      undefined,
      'the owners new passphrase',
    );
    expect(added.statusCode, added.body).toBe(200);
  });

  it('refuses an authenticator app while the address is unverified, so the owner is not locked out after a reset', async () => {
    const address = `victim-app-${Date.now()}@example.com`;
    const squatter = await registerAddress(t, address, 'the squatters own passphrase');
    const enrol = await t.request({
      method: 'POST',
      url: '/auth/mfa/totp/enroll',
      token: squatter.accessToken,
      body: { password: 'the squatters own passphrase' },
    });
    expect(enrol.statusCode).toBe(403);
    expect(enrol.json().error.code).toBe('ERR_EMAIL_NOT_VERIFIED');

    const owner = await takeBackByReset(t, inbox, address, 'the owners new passphrase');
    expect(owner.json()).toMatchObject({ tokenType: 'Bearer' });
    const again = await t.request({
      method: 'POST',
      url: '/auth/mfa/totp/enroll',
      token: owner.json().accessToken,
      body: { password: 'the owners new passphrase' },
    });
    expect(again.statusCode, again.body).toBe(200);
  });

  it('sets up no factor during a login paused for enrolment while the address is unverified', async () => {
    const address = `victim-admin-${Date.now()}@example.com`;
    const squatter = await registerAddress(t, address, 'the squatters own passphrase');
    // A role that needs a second factor: the login pauses until one is set up.
    await t.server.users.update(squatter.userId, { role: 'admin', updatedAt: t.clock.now() });
    const pausedLogin = async (password: string) => {
      const login = await t.request({ method: 'POST', url: '/auth/login', body: { email: address, password } });
      expect(login.json()).toMatchObject({ enrollmentRequired: true });
      return login.json().mfaToken as string;
    };
    const mfaToken = await pausedLogin('the squatters own passphrase');
    for (const url of ['/auth/mfa/enrollment/totp', '/auth/mfa/enrollment/passkey/options']) {
      const refused = await t.request({ method: 'POST', url, body: { mfaToken } });
      expect(refused.statusCode, url).toBe(403);
      expect(refused.json().error.code).toBe('ERR_EMAIL_NOT_VERIFIED');
    }

    // The owner of the mailbox resets the password; their own login then sets up their own app.
    const reset = await takeBackByReset(t, inbox, address, 'the owners new passphrase');
    expect(reset.json()).toMatchObject({ enrollmentRequired: true });
    const enrol = await t.request({
      method: 'POST',
      url: '/auth/mfa/enrollment/totp',
      body: { mfaToken: await pausedLogin('the owners new passphrase') },
    });
    expect(enrol.statusCode, enrol.body).toBe(200);
  });
});
