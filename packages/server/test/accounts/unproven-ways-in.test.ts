import { buildIdentity } from '@jwtgate/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSqlIdentityStore } from '../../src/stores/sql/sql-identity-store.js';
import { registerAddress, serverWithMailbox, takeBackByReset } from '../support/mailbox-owner.js';
import { enrolTotp } from '../support/mfa-steps.js';
import { addPasskey, PASSKEY_ORIGIN, signInWith } from '../support/passkey-steps.js';
import { linkSecret, type SmtpInbox } from '../support/smtp-inbox.js';
import { createSoftwareAuthenticator } from '../support/software-authenticator.js';
import type { TestServer } from '../support/test-server.js';

/**
 * Accounts older than the rule that keeps an unverified address from adding
 * ways in: a squatter registered the victim's address and added an identity,
 * a passkey and an authenticator app. The first proof of the address by its
 * owner removes all three, and the audit trail says what went.
 */
describe('ways in added before the account proved its address', () => {
  const password = 'the squatters own passphrase';
  const mailing = serverWithMailbox({ JWTGATE_WEB_PUBLIC_URL: PASSKEY_ORIGIN, JWTGATE_AUTH_EMAIL_SIGN_IN: 'true' });
  let t: TestServer;
  let inbox: SmtpInbox;
  beforeAll(() => {
    ({ t, inbox } = mailing());
  });

  /** A squatted account with an identity, a passkey and an app, its address unverified as before the rule. */
  async function squattedWithWaysIn(label: string) {
    const email = `victim-${label}-${Date.now()}@example.com`;
    const { userId, accessToken } = await registerAddress(t, email, password);
    const now = () => t.clock.now();
    await t.server.users.update(userId, { emailVerifiedAt: now(), updatedAt: now() });
    const device = createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN });
    await addPasskey(t, accessToken, device, password);
    await enrolTotp(t, { accessToken, password });
    const identities = createSqlIdentityStore(t.server.database.db);
    await identities.link(buildIdentity(userId, { provider: 'example' }));
    await t.server.users.update(userId, { emailVerifiedAt: null, updatedAt: now() });
    return { email, userId, device, identities };
  }

  async function removalRecords(userId: string) {
    await t.server.flushAudit();
    const rows = await t.server.database.db
      .selectFrom('jwtgate_audit')
      .selectAll()
      .where('user_id', '=', userId)
      .where('event', '=', 'account.unproven-ways-in-removed')
      .execute();
    return rows.map((row) => JSON.parse(row.details ?? '{}'));
  }

  it('an emailed sign-in by the owner removes them: no second factor is asked, the passkey signs nobody in', async () => {
    const { email, userId, device, identities } = await squattedWithWaysIn('sign-in');
    await t.request({ method: 'POST', url: '/auth/email/sign-in', body: { email } });
    await t.server.drainMail();
    const mail = await inbox.waitFor((m) => m.to.includes(email) && /Sign in/.test(m.subject));
    const owner = await t.request({
      method: 'POST',
      url: '/auth/email/sign-in/verify',
      body: { token: linkSecret(mail, 'sign-in'), cookie: false },
    });
    expect(owner.statusCode, owner.body).toBe(200);
    expect(owner.json().mfaRequired).toBeUndefined();
    expect(owner.json().accessToken).toBeTypeOf('string');

    expect(await identities.listByUser(userId)).toEqual([]);
    const status = await t.request({ method: 'GET', url: '/auth/mfa', token: owner.json().accessToken });
    expect(status.json()).toMatchObject({ totp: false, passkeys: 0 });
    expect((await signInWith(t, device)).statusCode).toBe(401);
    expect(await removalRecords(userId)).toEqual([
      expect.objectContaining({ proof: 'sign-in', identities: ['example'], passkeys: 1, authenticatorApp: true }),
    ]);
  });

  it('a reset by the owner removes them too, once', async () => {
    const { email, userId, identities } = await squattedWithWaysIn('reset');
    const owner = await takeBackByReset(t, inbox, email, 'the owners new passphrase');
    expect(owner.json()).toMatchObject({ tokenType: 'Bearer' });
    expect(await identities.listByUser(userId)).toEqual([]);
    const records = await removalRecords(userId);
    expect(records).toEqual([
      expect.objectContaining({
        proof: 'reset-password',
        identities: ['example'],
        passkeys: 1,
        authenticatorApp: true,
      }),
    ]);
  });
});
