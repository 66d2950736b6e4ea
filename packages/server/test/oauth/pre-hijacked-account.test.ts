import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizeAt,
  cookieOf,
  deliverCallback,
  landing,
  signInThroughProvider,
  startLinkFlow,
  startServerWithProviders,
} from '../support/federated-flow.js';
import { type OidcProvider, startOidcProvider } from '../support/identity-providers.js';
import { registerAddress, takeBackByReset } from '../support/mailbox-owner.js';
import { type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';
import { decodeJwt, type TestServer } from '../support/test-server.js';

const yaml = (issuer: string) =>
  `OAuth:\n  Providers:\n    idp:\n      Issuer: ${issuer}\n      ClientId: jwtgatetest\n`;

/**
 * Account pre-hijacking with a trojan identity (Sudhodanan and Paverd, 2022):
 * the attacker registers the victim's address, which nobody has proven yet,
 * and links an identity of their own. The victim, finding the address taken,
 * resets the password through their mailbox and uses the account; the
 * attacker's identity would still sign in to it.
 */
describe('an identity linked before the account proved its address', () => {
  let idp: OidcProvider;
  let inbox: SmtpInbox;
  let t: TestServer;
  beforeAll(async () => {
    idp = await startOidcProvider();
    inbox = await startSmtpInbox();
    t = await startServerWithProviders(yaml(idp.issuer), {
      JWTGATE_OAUTH_PROVIDERS_IDP_CLIENT_SECRET: 'idp-client-secret-value',
      JWTGATE_MAIL_SMTP_URL: inbox.url(),
      JWTGATE_MAIL_FROM: 'Example <no-reply@example.test>',
    });
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
    await idp?.stop();
  });

  it('refuses to link while the address is unverified, so a reset by the mailbox owner leaves no way in', async () => {
    const victimAddress = `victim-${Date.now()}@example.com`;
    const squatter = await registerAddress(t, victimAddress, 'the squatters own passphrase');
    idp.claims = { sub: `trojan-${Date.now()}` };
    const refused = await startLinkFlow(t, 'idp', squatter.accessToken);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('ERR_EMAIL_NOT_VERIFIED');
    expect(cookieOf(refused, 'jwtgate_oauth')).toBeUndefined();

    // The owner of the mailbox takes the account back by a reset, which proves the address.
    const owner = await takeBackByReset(t, inbox, victimAddress, 'the owners new passphrase');
    expect(owner.statusCode).toBe(200);

    // The attacker's identity signs in to an account of its own, never the owner's.
    const { accessToken } = await signInThroughProvider(t, 'idp');
    expect(decodeJwt(accessToken).payload.sub).not.toBe(squatter.userId);

    // Once the address is proven, the owner links as before.
    idp.claims = { sub: `owner-${Date.now()}` };
    const started = await startLinkFlow(t, 'idp', owner.json().accessToken);
    expect(started.statusCode, started.body).toBe(200);
    const done = await deliverCallback(
      t,
      await authorizeAt(new URL(started.json().authorizationUrl)),
      cookieOf(started, 'jwtgate_oauth') as string,
    );
    expect(landing(done).url.hash).toBe('#oauth-linked=idp');
  });
});
