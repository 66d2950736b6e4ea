import { systemClock } from '@jwtgate/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import {
  authorizeAt,
  cookieOf,
  deliverCallback,
  landing,
  signInThroughProvider,
  startBrowserFlow,
  startServerWithProviders,
} from '../support/federated-flow.js';
import { type OidcProvider, startOidcProvider } from '../support/identity-providers.js';
import { describeWithService } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { decodeJwt, type TestServer } from '../support/test-server.js';
import { waitUntilReady } from './outage-checks.js';

describeWithService('postgres')('sign-in through a provider while PostgreSQL is unreachable', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let idp: OidcProvider;
  let t: TestServer;
  beforeEach(async () => {
    database = await createTestDatabase('postgres');
    const target = new URL(database.url);
    proxy = await startTcpProxy(Number(target.port));
    target.port = String(proxy.port);
    idp = await startOidcProvider();
    t = await startServerWithProviders(
      `OAuth:\n  Providers:\n    idp:\n      Issuer: ${idp.issuer}\n      ClientId: jwtgatetest\n`,
      {
        JWTGATE_OAUTH_PROVIDERS_IDP_CLIENT_SECRET: 'idp-client-secret-value',
        JWTGATE_DATABASE_URL: target.toString(),
        JWTGATE_DATABASE_TIMEOUT: '500',
      },
      { clock: systemClock },
    );
  });
  afterEach(async () => {
    await t?.close();
    await idp?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('ends on the page with ERR_STORE_UNAVAILABLE, makes no account, and works again once the database is back', async () => {
    const subject = `outage-${Date.now()}`;
    idp.claims = { sub: subject, email: `${subject}@example.com`, email_verified: true };
    const flow = await startBrowserFlow(t, 'idp');
    const callback = await authorizeAt(flow.authorizationUrl);
    proxy.cut('refuse');
    const done = await deliverCallback(t, callback, flow.flowCookie);
    expect(done.statusCode).toBe(302);
    expect(landing(done).fragment.get('oauth-error')).toBe('ERR_STORE_UNAVAILABLE');
    expect(cookieOf(done, 'jwtgate_refresh')).toBeUndefined();

    proxy.restore();
    await waitUntilReady(t);
    // Nothing half-made: the identity's first sign-in after the outage makes its account now.
    const { accessToken } = await signInThroughProvider(t, 'idp');
    const me = (await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).json();
    expect(me.user.email).toBe(`${subject}@example.com`);
    const again = await signInThroughProvider(t, 'idp');
    expect(decodeJwt(again.accessToken).payload.sub).toBe(me.user.id);
  });
});
