import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizeAt,
  cookieOf,
  deliverCallback,
  landing,
  linkThroughProvider,
  ORIGIN_HEADERS,
  PUBLIC_URL,
  signInThroughProvider,
  startBrowserFlow,
  startLinkFlow,
  startServerWithProviders,
} from '../support/federated-flow.js';
import { type OidcProvider, startOidcProvider } from '../support/identity-providers.js';
import { captureLog, type LogCapture } from '../support/log-capture.js';
import { decodeJwt, type TestServer } from '../support/test-server.js';

// oauth2-mock-server reads the client id from Basic credentials without form-decoding it: no characters that get encoded.
const CLIENT_ID = 'jwtgatetest';

function providerYaml(issuer: string, extra = ''): string {
  return `OAuth:\n${extra}  Providers:\n    idp:\n      DisplayName: Test IdP\n      Issuer: ${issuer}\n      ClientId: ${CLIENT_ID}\n`;
}

const secretEnv = { JWTGATE_OAUTH_PROVIDERS_IDP_CLIENT_SECRET: 'idp-client-secret-value' };
/** Gives an account an address, verified or not, as the email flows would. */
async function giveAddress(t: TestServer, userId: string, email: string, verified: boolean): Promise<void> {
  await t.server.users.update(userId, {
    email: { email, emailKey: email },
    ...(verified ? { emailVerifiedAt: 1 } : {}),
    updatedAt: 1,
  });
}

let subjects = 0;
function person(verified = true) {
  subjects += 1;
  const sub = `person-${subjects}-${Math.random().toString(36).slice(2, 8)}`;
  return { sub, email: `${sub}@example.com`, email_verified: verified, name: `Person ${subjects}` };
}

describe('sign-in with an OpenID Connect provider', () => {
  let idp: OidcProvider;
  let t: TestServer;
  let log: LogCapture;
  beforeAll(async () => {
    idp = await startOidcProvider();
    log = captureLog();
    t = await startServerWithProviders(providerYaml(idp.issuer), secretEnv, {
      logStream: log.stream,
      env: { JWTGATE_LOG_LEVEL: 'info' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });
  afterEach(() => {
    idp.claims = {};
    idp.signWithForeignKey = false;
  });

  async function identitiesOf(accessToken: string) {
    const answer = await t.request({ method: 'GET', url: '/auth/identities', token: accessToken });
    expect(answer.statusCode).toBe(200);
    return answer.json();
  }

  it('lists the provider for the page', async () => {
    const answer = await t.request({ method: 'GET', url: '/auth/oauth/providers' });
    expect(answer.json()).toEqual({ providers: [{ name: 'idp', displayName: 'Test IdP' }] });
  });

  it('sends the browser to the provider with PKCE S256, state, nonce and the exact redirect URI', async () => {
    const flow = await startBrowserFlow(t, 'idp');
    const query = flow.authorizationUrl.searchParams;
    expect(flow.authorizationUrl.origin + flow.authorizationUrl.pathname).toBe(`${idp.issuer}/authorize`);
    expect(query.get('redirect_uri')).toBe(`${PUBLIC_URL}/auth/oauth/idp/callback`);
    expect(query.get('code_challenge_method')).toBe('S256');
    expect(query.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(query.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(query.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(query.get('scope')).toBe('openid email profile');
    const setCookie = String(flow.start.headers['set-cookie']);
    // __Host-: no sibling subdomain can plant a flow of its own (an attacker's state and verifier).
    expect(setCookie).toMatch(/^__Host-jwtgate_oauth=f1\.[^;]+; Path=\/; Max-Age=600; HttpOnly; Secure; SameSite=Lax$/);
    // The verifier is sealed: nothing of it shows in the cookie.
    expect(setCookie).not.toContain(query.get('state'));
  });

  it('makes an account at the first sign-in, with the verified address, and signs it in with amr fed', async () => {
    const who = person();
    idp.claims = who;
    const { accessToken, callback } = await signInThroughProvider(t, 'idp');
    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe(`${PUBLIC_URL}/`);
    const claims = decodeJwt(accessToken).payload;
    expect(claims.amr).toEqual(['fed']);
    const me = (await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).json();
    expect(me.user).toMatchObject({ email: who.email, emailVerified: true, role: 'user' });
    expect(me.user.username).toMatch(/^u-[0-9a-f]{16}$/);
    const list = await identitiesOf(accessToken);
    expect(list.passwordSet).toBe(false);
    expect(list.identities).toEqual([
      expect.objectContaining({
        provider: 'idp',
        providerName: 'Test IdP',
        subject: who.sub,
        email: who.email,
        name: who.name,
      }),
    ]);
    expect(log.audit('identity.linked').at(-1)).toMatchObject({
      provider: 'idp',
      because: 'sign-up',
      userId: claims.sub,
    });
    expect(log.audit('user.registered').at(-1)).toMatchObject({ userId: claims.sub });

    // The second sign-in finds the same account.
    const again = await signInThroughProvider(t, 'idp');
    expect(decodeJwt(again.accessToken).payload.sub).toBe(claims.sub);
    // A password login cannot reach an account that has none.
    const login = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: me.user.username, password: 'anything at all' },
    });
    expect(login.statusCode).toBe(401);
  });

  it('never copies an address the provider did not verify', async () => {
    idp.claims = person(false);
    const { accessToken } = await signInThroughProvider(t, 'idp');
    const me = (await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).json();
    expect(me.user.email).toBeUndefined();
  });

  it('links an identity to the signed-in user, and then signs that user in with it', async () => {
    const alice = await t.signUp();
    const who = person();
    idp.claims = who;
    const done = await linkThroughProvider(t, 'idp', alice.accessToken, '/#settings');
    expect(landing(done).url.href).toBe(`${PUBLIC_URL}/#oauth-linked=idp`);
    // Linking signs nobody in: no refresh cookie.
    expect(cookieOf(done, 'jwtgate_refresh')).toBeUndefined();
    expect((await identitiesOf(alice.accessToken)).identities).toEqual([expect.objectContaining({ subject: who.sub })]);
    expect(log.audit('identity.linked').at(-1)).toMatchObject({ userId: alice.userId, because: 'signed-in' });

    const { accessToken } = await signInThroughProvider(t, 'idp');
    expect(decodeJwt(accessToken).payload.sub).toBe(alice.userId);
  });

  it("refuses to link an identity that is another account's", async () => {
    const who = person();
    idp.claims = who;
    await signInThroughProvider(t, 'idp');
    const bob = await t.signUp();
    const done = await linkThroughProvider(t, 'idp', bob.accessToken);
    expect(landing(done).fragment.get('oauth-error')).toBe('ERR_IDENTITY_TAKEN');
    expect((await identitiesOf(bob.accessToken)).identities).toEqual([]);
    expect(log.audit('oauth.failed').at(-1)).toMatchObject({
      provider: 'idp',
      code: 'ERR_IDENTITY_TAKEN',
      userId: bob.userId,
    });
  });

  /**
   * Someone holding another user's session (a stolen token, an unattended
   * browser) tries to plant an identity of their own on the account: a way
   * in that would outlive the owner's password change.
   */
  describe('linking from a session that ends before the callback', () => {
    it('refuses to start a link from a sign-in older than 10 minutes, asking for a fresh one (RFC 9470 max_age)', async () => {
      const user = await t.signUp();
      t.clock.advance(601_000);
      // An unattended page keeps refreshing: its tokens stay valid, its sign-in grows old.
      const refreshed = await t.request({
        method: 'POST',
        url: '/auth/refresh',
        body: { refreshToken: user.refreshToken },
      });
      const stale = await startLinkFlow(t, 'idp', refreshed.json().accessToken);
      expect(stale.statusCode).toBe(401);
      expect(stale.json().error.code).toBe('ERR_INSUFFICIENT_AUTHENTICATION');
      expect(stale.headers['www-authenticate']).toContain('max_age=600');
      expect(cookieOf(stale, 'jwtgate_oauth')).toBeUndefined();

      const fresh = await t.login(user.username, user.password);
      expect((await startLinkFlow(t, 'idp', fresh.accessToken)).statusCode).toBe(200);
    });

    it('links nothing when the owner changed the password between the start of the link and its callback', async () => {
      const victim = await t.signUp();
      const attacker = { sub: `planted-${Date.now()}` };
      idp.claims = attacker;
      // The attacker, with the victim's session, starts linking their own identity.
      const started = await startLinkFlow(t, 'idp', victim.accessToken);
      expect(started.statusCode, started.body).toBe(200);
      const flowCookie = cookieOf(started, 'jwtgate_oauth') as string;
      const callback = await authorizeAt(new URL(started.json().authorizationUrl));

      // Meanwhile the owner changes the password on another device: every other session ends.
      const owner = await t.login(victim.username, victim.password);
      const changed = await t.request({
        method: 'POST',
        url: '/auth/password',
        token: owner.accessToken,
        body: { currentPassword: victim.password, newPassword: 'a brand new passphrase 42' },
      });
      expect(changed.statusCode, changed.body).toBe(200);

      const done = await deliverCallback(t, callback, flowCookie);
      expect(landing(done).fragment.get('oauth-error')).toBe('ERR_TOKEN_REVOKED');
      expect((await identitiesOf(owner.accessToken)).identities).toEqual([]);
      expect(log.audit('oauth.failed').at(-1)).toMatchObject({ code: 'ERR_TOKEN_REVOKED', userId: victim.userId });
      // The attacker's identity signs in to an account of its own, never the victim's.
      const { accessToken } = await signInThroughProvider(t, 'idp');
      expect(decodeJwt(accessToken).payload.sub).not.toBe(victim.userId);
    });

    it('links nothing when the session that started the link was logged out before the callback', async () => {
      const victim = await t.signUp();
      idp.claims = { sub: `planted-${Date.now()}` };
      const started = await startLinkFlow(t, 'idp', victim.accessToken);
      const flowCookie = cookieOf(started, 'jwtgate_oauth') as string;
      const callback = await authorizeAt(new URL(started.json().authorizationUrl));
      const owner = await t.login(victim.username, victim.password);
      const ended = await t.request({
        method: 'POST',
        url: '/auth/logout',
        token: owner.accessToken,
        headers: ORIGIN_HEADERS,
        body: { scope: 'others' },
      });
      expect(ended.statusCode, ended.body).toBe(200);

      const done = await deliverCallback(t, callback, flowCookie);
      expect(landing(done).fragment.get('oauth-error')).toBe('ERR_TOKEN_REVOKED');
      expect((await identitiesOf(owner.accessToken)).identities).toEqual([]);
    });
  });

  it('does not link by a verified address while OAuth.AutoLinkVerifiedEmail is off', async () => {
    const carol = await t.signUp();
    const who = person();
    await giveAddress(t, carol.userId, who.email, true);
    idp.claims = who;
    const { accessToken } = await signInThroughProvider(t, 'idp');
    const claims = decodeJwt(accessToken).payload;
    expect(claims.sub).not.toBe(carol.userId);
    // The new account does not get the address, and nothing says whose it is.
    const me = (await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).json();
    expect(me.user.email).toBeUndefined();
  });

  describe('each attack and failure ends on the page with a code and an audit record', () => {
    async function failingCallback(
      meddle: (callback: URL) => URL = (c) => c,
      cookie?: (flowCookie: string) => string | null,
    ) {
      const flow = await startBrowserFlow(t, 'idp');
      const callback = meddle(await authorizeAt(flow.authorizationUrl));
      const done = await deliverCallback(t, callback, cookie === undefined ? flow.flowCookie : cookie(flow.flowCookie));
      expect(done.statusCode).toBe(302);
      expect(cookieOf(done, 'jwtgate_refresh')).toBeUndefined();
      return landing(done);
    }

    it('refuses a callback replayed with the same cookie', async () => {
      idp.claims = person();
      const flow = await startBrowserFlow(t, 'idp');
      const callback = await authorizeAt(flow.authorizationUrl);
      const first = await deliverCallback(t, callback, flow.flowCookie);
      expect(cookieOf(first, 'jwtgate_refresh')).toBeDefined();
      const replay = await deliverCallback(t, callback, flow.flowCookie);
      expect(landing(replay).fragment.get('oauth-error')).toBe('ERR_OAUTH_STATE_INVALID');
      expect(cookieOf(replay, 'jwtgate_refresh')).toBeUndefined();
      expect(log.audit('oauth.failed').at(-1)).toMatchObject({ code: 'ERR_OAUTH_STATE_INVALID', reason: 'replay' });
    });

    it('refuses a callback whose state is not the flow cookie’s', async () => {
      const to = await failingCallback((callback) => {
        callback.searchParams.set('state', 'x'.repeat(43));
        return callback;
      });
      expect(to.fragment.get('oauth-error')).toBe('ERR_OAUTH_STATE_INVALID');
      expect(log.audit('oauth.failed').at(-1)).toMatchObject({ reason: 'state-mismatch' });
    });

    it('refuses a callback without the flow cookie (another browser), or with a forged one', async () => {
      const none = await failingCallback(undefined, () => null);
      expect(none.fragment.get('oauth-error')).toBe('ERR_OAUTH_STATE_INVALID');
      expect(none.url.href).toBe(`${PUBLIC_URL}/#oauth-error=ERR_OAUTH_STATE_INVALID`);
      const forged = await failingCallback(undefined, (cookie) => `${cookie.slice(0, -4)}AAAA`);
      expect(forged.fragment.get('oauth-error')).toBe('ERR_OAUTH_STATE_INVALID');
    });

    it('refuses an expired flow', async () => {
      const flow = await startBrowserFlow(t, 'idp');
      const callback = await authorizeAt(flow.authorizationUrl);
      t.clock.advance(601_000);
      const done = await deliverCallback(t, callback, flow.flowCookie);
      expect(landing(done).fragment.get('oauth-error')).toBe('ERR_OAUTH_STATE_INVALID');
    });

    it('refuses when the PKCE verifier does not match the challenge the provider got', async () => {
      const flow = await startBrowserFlow(t, 'idp');
      const tampered = new URL(flow.authorizationUrl);
      // An attacker's authorization request, with their own challenge, answered to this browser's flow.
      tampered.searchParams.set('code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
      const done = await deliverCallback(t, await authorizeAt(tampered), flow.flowCookie);
      expect(landing(done).fragment.get('oauth-error')).toBe('ERR_OAUTH_PROVIDER_ERROR');
    });

    it('refuses an id token with the wrong nonce, aud, azp or iss, or signed by a key the provider does not publish', async () => {
      for (const [claims, reason] of [
        [{ nonce: 'someone-elses-nonce' }, /nonce|OAUTH_JWT_CLAIM_COMPARISON_FAILED/],
        [{ aud: 'another-client' }, /OAUTH_JWT_CLAIM_COMPARISON_FAILED|aud/],
        [{ iss: 'https://impostor.example' }, /OAUTH_JWT_CLAIM_COMPARISON_FAILED|iss/],
        [{ exp: Math.floor(Date.now() / 1000) - 3600 }, /OAUTH_JWT_TIMESTAMP_CHECK_FAILED|exp/],
        // Issued to another client as well, which could replay it here: azp must name this client.
        [
          { aud: [CLIENT_ID, 'another-client'] },
          /OAUTH_JWT_CLAIM_COMPARISON_FAILED|OAUTH_MISSING_REQUIRED_CLAIM|azp|aud/,
        ],
        [{ aud: [CLIENT_ID, 'another-client'], azp: 'another-client' }, /OAUTH_JWT_CLAIM_COMPARISON_FAILED|azp/],
      ] as const) {
        idp.claims = { ...person(), ...claims };
        const to = await failingCallback();
        expect(to.fragment.get('oauth-error')).toBe('ERR_OAUTH_PROVIDER_ERROR');
        expect(String(log.audit('oauth.failed').at(-1)?.reason)).toMatch(reason);
      }
      idp.claims = person();
      idp.signWithForeignKey = true;
      const to = await failingCallback();
      expect(to.fragment.get('oauth-error')).toBe('ERR_OAUTH_PROVIDER_ERROR');
    });

    it('says the user refused consent when the provider answers access_denied', async () => {
      const to = await failingCallback((callback) => {
        const denied = new URL(callback.origin + callback.pathname);
        denied.searchParams.set('error', 'access_denied');
        denied.searchParams.set('state', callback.searchParams.get('state') as string);
        return denied;
      });
      expect(to.fragment.get('oauth-error')).toBe('ERR_OAUTH_DENIED');
      expect(log.audit('oauth.failed').at(-1)).toMatchObject({ code: 'ERR_OAUTH_DENIED', reason: 'access_denied' });
    });

    it('refuses an unknown provider and a returnTo on another site, never redirecting there', async () => {
      const unknown = await t.request({ method: 'GET', url: '/auth/oauth/nobody/start' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('ERR_OAUTH_PROVIDER_UNKNOWN');
      for (const returnTo of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)']) {
        const answer = await t.request({
          method: 'GET',
          url: `/auth/oauth/idp/start?returnTo=${encodeURIComponent(returnTo)}`,
        });
        expect(answer.statusCode).toBe(400);
        expect(answer.headers.location).toBeUndefined();
      }
      const inside = await startBrowserFlow(t, 'idp', '/account?tab=identities');
      idp.claims = person();
      const done = await deliverCallback(t, await authorizeAt(inside.authorizationUrl), inside.flowCookie);
      expect(done.headers.location).toBe(`${PUBLIC_URL}/account?tab=identities`);
    });
  });

  it('gives an API client its tokens as JSON (flowToken instead of the cookie)', async () => {
    const started = await t.request({ method: 'POST', url: '/auth/oauth/idp/start', body: { device: 'cli' } });
    expect(started.statusCode).toBe(200);
    expect(started.headers['set-cookie']).toBeUndefined();
    const { authorizationUrl, flowToken } = started.json();
    idp.claims = person();
    const callbackUrl = (await authorizeAt(new URL(authorizationUrl))).href;
    const done = await t.request({ method: 'POST', url: '/auth/oauth/idp/callback', body: { flowToken, callbackUrl } });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ tokenType: 'Bearer', refreshToken: expect.stringMatching(/^jgr1_/) });
    expect(decodeJwt(done.json().accessToken).payload.amr).toEqual(['fed']);
    const replay = await t.request({
      method: 'POST',
      url: '/auth/oauth/idp/callback',
      body: { flowToken, callbackUrl },
    });
    expect(replay.json().error.code).toBe('ERR_OAUTH_STATE_INVALID');
    const elsewhere = await t.request({
      method: 'POST',
      url: '/auth/oauth/idp/callback',
      body: { flowToken, callbackUrl: `https://evil.example/cb?${new URL(callbackUrl).search}` },
    });
    expect(elsewhere.json().error.code).toBe('ERR_OAUTH_STATE_INVALID');
  });
});

describe('a provider that announces HS256 and none beside RS256 for id tokens (as Keycloak announces HS256)', () => {
  let idp: OidcProvider;
  let t: TestServer;
  beforeAll(async () => {
    idp = await startOidcProvider({ idTokenAlgorithms: ['RS256', 'HS256', 'none'] });
    t = await startServerWithProviders(providerYaml(idp.issuer), secretEnv);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });

  async function signInWithIdToken(forge: OidcProvider['forgeIdToken']) {
    idp.claims = person();
    idp.forgeIdToken = forge;
    try {
      const flow = await startBrowserFlow(t, 'idp');
      const done = await deliverCallback(t, await authorizeAt(flow.authorizationUrl), flow.flowCookie);
      return { error: landing(done).fragment.get('oauth-error'), refresh: cookieOf(done, 'jwtgate_refresh') };
    } finally {
      idp.forgeIdToken = null;
    }
  }

  it('signs in with an id token the provider signed with its published key', async () => {
    expect(await signInWithIdToken(null)).toEqual({ error: null, refresh: expect.any(String) });
  });

  it('refuses an id token MACed with the client secret, which anyone holding the secret could forge', async () => {
    const forged = await signInWithIdToken({
      alg: 'HS256',
      clientSecret: secretEnv.JWTGATE_OAUTH_PROVIDERS_IDP_CLIENT_SECRET,
    });
    expect(forged).toEqual({ error: 'ERR_OAUTH_PROVIDER_ERROR', refresh: undefined });
  });

  it('refuses an unsigned id token (alg none)', async () => {
    expect(await signInWithIdToken({ alg: 'none' })).toEqual({ error: 'ERR_OAUTH_PROVIDER_ERROR', refresh: undefined });
  });
});

/**
 * A mix-up (RFC 9700 §4.4): one of two configured providers is malicious. It
 * reads a link flow's state, PKCE challenge and nonce from the authorization
 * request the victim's browser brings it, has the honest provider issue a
 * code for the attacker's own identity under them, and sends the browser to
 * the honest provider's callback with that code.
 */
describe('a malicious provider beside an honest one', () => {
  let honest: OidcProvider;
  let evil: OidcProvider;
  let t: TestServer;
  beforeAll(async () => {
    honest = await startOidcProvider();
    evil = await startOidcProvider();
    const yaml = `${providerYaml(honest.issuer)}    evil:\n      Issuer: ${evil.issuer}\n      ClientId: ${CLIENT_ID}\n`;
    t = await startServerWithProviders(yaml, {
      ...secretEnv,
      JWTGATE_OAUTH_PROVIDERS_EVIL_CLIENT_SECRET: 'evil-client-secret-value',
    });
  });
  afterAll(async () => {
    await t?.close();
    await honest?.stop();
    await evil?.stop();
  });

  it("refuses the honest provider's callback for a flow started at the other, linking nothing", async () => {
    const victim = await t.signUp();
    const started = await startLinkFlow(t, 'evil', victim.accessToken);
    expect(started.statusCode, started.body).toBe(200);
    const victimCookie = cookieOf(started, 'jwtgate_oauth') as string;
    const seenByEvil = new URL(started.json().authorizationUrl).searchParams;

    // The attacker's own authorization at the honest provider, under the victim's flow secrets.
    honest.claims = { sub: `attacker-${Date.now()}` };
    const attackers = (await startBrowserFlow(t, 'idp')).authorizationUrl;
    for (const name of ['state', 'code_challenge', 'nonce']) {
      attackers.searchParams.set(name, seenByEvil.get(name) as string);
    }
    const callback = await authorizeAt(attackers);
    expect(callback.pathname).toBe('/auth/oauth/idp/callback');

    const done = await deliverCallback(t, callback, victimCookie);
    expect(landing(done).fragment.get('oauth-error')).toBe('ERR_OAUTH_STATE_INVALID');
    const identities = await t.request({ method: 'GET', url: '/auth/identities', token: victim.accessToken });
    expect(identities.json().identities).toEqual([]);
  });
});

describe('auto-linking by a verified address, when switched on', () => {
  let idp: OidcProvider;
  let t: TestServer;
  beforeAll(async () => {
    idp = await startOidcProvider();
    t = await startServerWithProviders(providerYaml(idp.issuer, '  AutoLinkVerifiedEmail: true\n'), secretEnv);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });

  it('signs in to the account whose verified address the provider verified too', async () => {
    const dana = await t.signUp();
    const who = person();
    await giveAddress(t, dana.userId, who.email, true);
    idp.claims = who;
    const { accessToken } = await signInThroughProvider(t, 'idp');
    expect(decodeJwt(accessToken).payload.sub).toBe(dana.userId);
  });

  it('makes a new account when either side did not verify the address', async () => {
    const erin = await t.signUp();
    const who = person(false);
    await giveAddress(t, erin.userId, who.email, true);
    idp.claims = who;
    expect(decodeJwt((await signInThroughProvider(t, 'idp')).accessToken).payload.sub).not.toBe(erin.userId);

    const frank = await t.signUp();
    const unverified = person(true);
    await giveAddress(t, frank.userId, unverified.email, false);
    idp.claims = unverified;
    expect(decodeJwt((await signInThroughProvider(t, 'idp')).accessToken).payload.sub).not.toBe(frank.userId);
  });

  it('never links an address at another domain whose letters fold to the account’s (gmaıl.com, straße.de)', async () => {
    // gmaıl.com (dotless ı) and straße.de are domains of their own, registrable by anyone, and not
    // gmail.com or strasse.de; folding case the Unicode way (ı→I→i, ß→SS→ss) would make them meet.
    for (const [owned, foreign] of [
      ['gmail.com', 'gma\u0131l.com'],
      ['strasse.de', 'stra\u00dfe.de'],
    ] as const) {
      const owner = await t.signUp();
      const who = person();
      const local = who.sub;
      await giveAddress(t, owner.userId, `${local}@${owned}`, true);
      idp.claims = { ...who, email: `${local}@${foreign}` };
      const { accessToken } = await signInThroughProvider(t, 'idp');
      expect(decodeJwt(accessToken).payload.sub, foreign).not.toBe(owner.userId);
    }
  });

  it("never takes one answer's address as verified by another's flag", async () => {
    const gina = await t.signUp();
    const who = person();
    await giveAddress(t, gina.userId, who.email, true);
    // The id token says "verified" of no address; the user-info endpoint gives one it did not verify.
    idp.claims = { sub: who.sub, email_verified: true };
    idp.userInfoClaims = { email: who.email, email_verified: false };
    try {
      const { accessToken } = await signInThroughProvider(t, 'idp');
      expect(decodeJwt(accessToken).payload.sub).not.toBe(gina.userId);
    } finally {
      idp.userInfoClaims = {};
    }
  });
});

describe('a provider that is down', () => {
  it('ends the sign-in on the page with ERR_OAUTH_PROVIDER_UNAVAILABLE, at the start and at the callback', async () => {
    const idp = await startOidcProvider();
    const t = await startServerWithProviders(providerYaml(idp.issuer, '  Timeout: 1000\n'), secretEnv);
    try {
      idp.claims = person();
      const flow = await startBrowserFlow(t, 'idp');
      const callback = await authorizeAt(flow.authorizationUrl);
      await idp.stop();
      const done = await deliverCallback(t, callback, flow.flowCookie);
      expect(done.statusCode).toBe(302);
      expect(landing(done).fragment.get('oauth-error')).toBe('ERR_OAUTH_PROVIDER_UNAVAILABLE');

      const other = await startServerWithProviders(providerYaml(idp.issuer), secretEnv);
      try {
        const start = await other.request({ method: 'GET', url: '/auth/oauth/idp/start' });
        expect(start.statusCode).toBe(503);
        expect(start.json().error.code).toBe('ERR_OAUTH_PROVIDER_UNAVAILABLE');
      } finally {
        await other.close();
      }
    } finally {
      await t.close();
    }
  });
});
