import { randomUUID } from 'node:crypto';
import { systemClock } from '@jwtgate/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { signInThroughApi, startServerWithProviders } from '../support/federated-flow.js';
import { type OidcProvider, startOidcProvider } from '../support/identity-providers.js';
import { deleteKeysWithPrefix } from '../support/redis-servers.js';
import { describeWithService, serviceUrl, uniqueName } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import type { TestServer } from '../support/test-server.js';
import { waitUntilReady } from './outage-checks.js';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

// Sessions and accepted tokens in Redis, the provider sessions in PostgreSQL: the token is
// claimed, then the sessions it names cannot be found.
describeWithService('postgres')('logout by the provider while PostgreSQL is unreachable', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let idp: OidcProvider;
  let t: TestServer;
  const keyPrefix = `${uniqueName('jwtgate_t')}:`;
  beforeEach(async () => {
    database = await createTestDatabase('postgres');
    const target = new URL(database.url);
    proxy = await startTcpProxy(Number(target.port));
    target.port = String(proxy.port);
    idp = await startOidcProvider();
    t = await startServerWithProviders(
      `OAuth:\n  Providers:\n    idp:\n      Issuer: ${idp.issuer}\n      ClientId: jwtgatetest\n      BackChannelLogout: true\n      FrontChannelLogout: true\n`,
      {
        JWTGATE_OAUTH_PROVIDERS_IDP_CLIENT_SECRET: 'idp-client-secret-value',
        JWTGATE_DATABASE_URL: target.toString(),
        JWTGATE_DATABASE_TIMEOUT: '500',
        JWTGATE_REDIS_URL: serviceUrl('redis') as string,
        JWTGATE_REDIS_KEY_PREFIX: keyPrefix,
      },
      { clock: systemClock },
    );
  });
  afterEach(async () => {
    await t?.close();
    await idp?.stop();
    await proxy?.close();
    await database?.drop();
    const { Redis } = await import('ioredis');
    const redis = new Redis(serviceUrl('redis') as string);
    await deleteKeysWithPrefix(redis, keyPrefix);
    redis.disconnect();
  });

  it('answers a logout token 503, ends nothing, and takes the same token once the database is back', async () => {
    const sid = `psid-${randomUUID()}`;
    const sub = `outage-${randomUUID()}`;
    idp.claims = { sub, sid, email: `${sub}@example.com`, email_verified: true };
    const signedIn = await signInThroughApi(t, 'idp');
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    const { refreshToken } = signedIn.json();
    const token = await idp.server.issuer.buildToken({
      scopesOrTransform: (header: Record<string, unknown>, payload: Record<string, unknown>) => {
        header.typ = 'logout+jwt';
        Object.assign(payload, { aud: 'jwtgatetest', jti: randomUUID(), sid, events: { [EVENT]: {} } });
      },
    });
    const post = () =>
      t.request({
        method: 'POST',
        url: '/auth/oauth/idp/backchannel-logout',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: token }).toString(),
      });

    proxy.cut('refuse');
    const down = await post();
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ error: 'temporarily_unavailable', code: 'ERR_STORE_UNAVAILABLE' });
    expect(down.headers['cache-control']).toBe('no-store');

    proxy.restore();
    await waitUntilReady(t);
    // Nothing ended behind the 503's back: the session lives until the provider sends the token again.
    const alive = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
    expect(alive.statusCode).toBe(200);
    const again = await post();
    expect(again.statusCode, again.body).toBe(200);
    const refused = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: alive.json().refreshToken },
    });
    expect(refused.statusCode).toBe(401);
  });

  it('answers a front-channel logout 503, never the page that says it was done, and ends the sessions once back', async () => {
    const sid = `psid-${randomUUID()}`;
    const sub = `outage-${randomUUID()}`;
    idp.claims = { sub, sid, email: `${sub}@example.com`, email_verified: true };
    const signedIn = await signInThroughApi(t, 'idp');
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    const { accessToken } = signedIn.json();
    const frontChannel = () =>
      t.request({
        method: 'GET',
        url: `/auth/oauth/idp/frontchannel-logout?${new URLSearchParams({ iss: idp.issuer, sid }).toString()}`,
      });

    proxy.cut('refuse');
    const down = await frontChannel();
    expect(down.statusCode, down.body).toBe(503);
    expect(down.json()).toMatchObject({ error: { code: 'ERR_STORE_UNAVAILABLE' } });
    expect(down.headers['retry-after']).toBeDefined();
    expect(down.headers['cache-control']).toBe('no-store');

    proxy.restore();
    await waitUntilReady(t);
    expect((await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(200);
    expect((await frontChannel()).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(401);
  });
});
