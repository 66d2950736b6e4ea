import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSqlIdentityStore } from '../../src/stores/sql/sql-identity-store.js';
import {
  authorizeAt,
  cookieOf,
  deliverCallback,
  landing,
  linkThroughProvider,
  signInThroughProvider,
  startBrowserFlow,
  startServerWithProviders,
} from '../support/federated-flow.js';
import { type OidcProvider, startOidcProvider } from '../support/identity-providers.js';
import { captureLog, type LogCapture } from '../support/log-capture.js';
import type { TestServer } from '../support/test-server.js';

const yaml = (issuer: string) =>
  `OAuth:\n  Providers:\n    idp:\n      Issuer: ${issuer}\n      ClientId: jwtgatetest\n`;
const env = { JWTGATE_OAUTH_PROVIDERS_IDP_CLIENT_SECRET: 'idp-client-secret-value' };

let people = 0;
function person(claims: { email?: boolean; verified?: boolean } = {}) {
  people += 1;
  const sub = `req-${people}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    sub,
    ...(claims.email === false ? {} : { email: `${sub}@example.com`, email_verified: claims.verified ?? true }),
  };
}

describe('first sign-in through a provider with Auth.RequireEmail on', () => {
  let idp: OidcProvider;
  let t: TestServer;
  let log: LogCapture;
  beforeAll(async () => {
    idp = await startOidcProvider();
    log = captureLog();
    t = await startServerWithProviders(yaml(idp.issuer), env, {
      logStream: log.stream,
      env: { JWTGATE_LOG_LEVEL: 'info', JWTGATE_AUTH_REQUIRE_EMAIL: 'true' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });
  afterEach(() => {
    idp.claims = {};
  });

  /** The browser flow of a first sign-in that must be refused: where it lands, and that nothing was made. */
  async function refusedFirstSignIn(sub: string): Promise<string> {
    const flow = await startBrowserFlow(t, 'idp');
    const done = await deliverCallback(t, await authorizeAt(flow.authorizationUrl), flow.flowCookie);
    expect(done.statusCode).toBe(302);
    expect(landing(done).fragment.get('oauth-error')).toBe('ERR_EMAIL_REQUIRED');
    expect(cookieOf(done, 'jwtgate_refresh')).toBeUndefined();
    expect(await createSqlIdentityStore(t.server.database.db).find('idp', sub)).toBeNull();
    expect(log.audit('oauth.failed').at(-1)).toMatchObject({ provider: 'idp', code: 'ERR_EMAIL_REQUIRED' });
    return landing(done).url.href;
  }

  it('makes the account when the provider gives a verified address nobody has', async () => {
    const who = person();
    idp.claims = who;
    const { accessToken } = await signInThroughProvider(t, 'idp');
    const me = (await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).json();
    expect(me.user).toMatchObject({ email: who.email, emailVerified: true });
  });

  it('refuses, making nothing, when the provider gives no address', async () => {
    const who = person({ email: false });
    idp.claims = who;
    const before = log.audit('user.registered').length;
    await refusedFirstSignIn(who.sub);
    expect(log.audit('user.registered')).toHaveLength(before);
  });

  it('refuses when the provider gives an address it did not verify', async () => {
    const who = person({ verified: false });
    idp.claims = who;
    await refusedFirstSignIn(who.sub);
    // The address was not taken by the refused attempt: an account can still register with it.
    const registered = await t.request({
      method: 'POST',
      url: '/auth/register',
      body: { email: who.email, password: 'correct horse battery staple' },
    });
    expect(registered.statusCode, registered.body).toBe(201);
  });

  it('refuses alike when another account has the address: no account without one, and nothing says whose', async () => {
    const owner = await t.request({
      method: 'POST',
      url: '/auth/register',
      body: { email: `owner-${people}@example.com`, password: 'correct horse battery staple' },
    });
    expect(owner.statusCode).toBe(201);
    const who = { ...person(), email: owner.json().email as string, email_verified: true };
    idp.claims = who;
    const taken = await refusedFirstSignIn(who.sub);
    const noAddress = person({ email: false });
    idp.claims = noAddress;
    // The same redirect, code and page as for a provider that gives no address at all.
    expect(await refusedFirstSignIn(noAddress.sub)).toBe(taken);
  });

  it('answers the JSON variant 400 ERR_EMAIL_REQUIRED', async () => {
    idp.claims = person({ email: false });
    const started = await t.request({ method: 'POST', url: '/auth/oauth/idp/start', body: { device: 'cli' } });
    expect(started.statusCode, started.body).toBe(200);
    const { authorizationUrl, flowToken } = started.json();
    const callbackUrl = (await authorizeAt(new URL(authorizationUrl))).href;
    const done = await t.request({ method: 'POST', url: '/auth/oauth/idp/callback', body: { flowToken, callbackUrl } });
    expect(done.statusCode, done.body).toBe(400);
    expect(done.json().error.code).toBe('ERR_EMAIL_REQUIRED');
  });

  it('still links a provider without an address to a signed-in account, and signs it in after', async () => {
    const user = await t.request({
      method: 'POST',
      url: '/auth/register',
      body: { email: `linker-${people}@example.com`, password: 'correct horse battery staple' },
    });
    const login = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { email: user.json().email, password: 'correct horse battery staple' },
    });
    // An account links only once its address is proven (as the mailed link would).
    await t.server.users.update(user.json().id, { emailVerifiedAt: t.clock.now(), updatedAt: t.clock.now() });
    const who = person({ email: false });
    idp.claims = who;
    const done = await linkThroughProvider(t, 'idp', login.json().accessToken);
    expect(landing(done).url.hash).toBe('#oauth-linked=idp');
    await expect(signInThroughProvider(t, 'idp')).resolves.toHaveProperty('accessToken');
  });
});
