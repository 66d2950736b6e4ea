import { createSecretCipher, parseEncryptionKey } from '@jwtgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlIdentityStore } from '../../src/stores/sql/sql-identity-store.js';
import {
  authorizeAt,
  cookieOf,
  deliverCallback,
  landing,
  linkThroughProvider,
  ORIGIN_HEADERS,
  startBrowserFlow,
  startServerWithProviders,
} from '../support/federated-flow.js';
import { type OidcProvider, startOidcProvider } from '../support/identity-providers.js';
import { codeFor, enrolTotp, verify } from '../support/mfa-steps.js';
import { decodeJwt, type TestServer } from '../support/test-server.js';

const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
const yaml = (issuer: string, extra = '') =>
  `OAuth:\n${extra}  Providers:\n    idp:\n      Issuer: ${issuer}\n      ClientId: jwtgatetest\n`;
const env = {
  JWTGATE_OAUTH_PROVIDERS_IDP_CLIENT_SECRET: 'idp-client-secret-value',
  JWTGATE_MFA_ENCRYPTION_KEY: ENCRYPTION_KEY,
};

describe('federated sign-in with a second factor, races and kept provider tokens', () => {
  let idp: OidcProvider;
  let t: TestServer;
  beforeAll(async () => {
    idp = await startOidcProvider();
    t = await startServerWithProviders(yaml(idp.issuer, '  StoreProviderTokens: true\n'), env);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });

  it('asks a user with an authenticator app for it after the provider, and then signs in with fed, otp and mfa', async () => {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    idp.claims = { sub: `mfa-${Date.now()}` };
    expect(landing(await linkThroughProvider(t, 'idp', user.accessToken)).url.hash).toBe('#oauth-linked=idp');

    const flow = await startBrowserFlow(t, 'idp');
    const done = await deliverCallback(t, await authorizeAt(flow.authorizationUrl), flow.flowCookie);
    // Nothing is signed in by the provider alone.
    expect(cookieOf(done, 'jwtgate_refresh')).toBeUndefined();
    const { fragment } = landing(done);
    expect(fragment.get('methods')).toBe('totp,recovery');
    const mfaToken = fragment.get('oauth-mfa') as string;
    const verified = await verify(t, mfaToken, codeFor(secret, t.clock.now()), 'totp', ORIGIN_HEADERS);
    expect(verified.statusCode, verified.body).toBe(200);
    expect(cookieOf(verified, 'jwtgate_refresh')).toBeDefined();
    const { accessToken } = verified.json();
    expect(decodeJwt(accessToken).payload).toMatchObject({ sub: user.userId, amr: ['fed', 'otp', 'mfa'] });
  });

  it('lets exactly one of two simultaneous deliveries of one callback sign in', async () => {
    idp.claims = { sub: `race-${Date.now()}` };
    const flow = await startBrowserFlow(t, 'idp');
    const callback = await authorizeAt(flow.authorizationUrl);
    const answers = await Promise.all([1, 2, 3].map(() => deliverCallback(t, callback, flow.flowCookie)));
    const signedIn = answers.filter((answer) => cookieOf(answer, 'jwtgate_refresh') !== undefined);
    expect(signedIn).toHaveLength(1);
    for (const answer of answers.filter((a) => !signedIn.includes(a))) {
      expect(landing(answer).fragment.get('oauth-error')).toBe('ERR_OAUTH_STATE_INVALID');
    }
  });

  it('keeps the provider tokens sealed when OAuth.StoreProviderTokens asks, opened only with the key', async () => {
    const subject = `tokens-${Date.now()}`;
    idp.claims = { sub: subject };
    const flow = await startBrowserFlow(t, 'idp');
    await deliverCallback(t, await authorizeAt(flow.authorizationUrl), flow.flowCookie);
    const identity = await createSqlIdentityStore(t.server.database.db).find('idp', subject);
    const sealed = identity?.sealedTokens as string;
    expect(sealed).toMatch(/^v1\./);
    const cipher = createSecretCipher({ current: parseEncryptionKey(ENCRYPTION_KEY) as Uint8Array });
    const tokens = JSON.parse(Buffer.from(cipher.decrypt(sealed, `identity:idp:${identity?.userId}`)).toString());
    expect(tokens).toMatchObject({ accessToken: expect.any(String), idToken: expect.any(String) });
    expect(decodeJwt(tokens.idToken).payload.sub).toBe(subject);
    // Bound to its identity: it does not open as another one's.
    expect(() => cipher.decrypt(sealed, 'identity:idp:someone-else')).toThrow();
  });

  it('keeps no provider token by default', async () => {
    const other = await startServerWithProviders(yaml(idp.issuer), env);
    try {
      const subject = `no-tokens-${Date.now()}`;
      idp.claims = { sub: subject };
      const flow = await startBrowserFlow(other, 'idp');
      await deliverCallback(other, await authorizeAt(flow.authorizationUrl), flow.flowCookie);
      const identity = await createSqlIdentityStore(other.server.database.db).find('idp', subject);
      expect(identity).toMatchObject({ subject, sealedTokens: null });
    } finally {
      await other.close();
    }
  });
});
