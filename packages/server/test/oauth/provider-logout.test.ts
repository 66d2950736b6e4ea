import { hashLoginChallengeToken } from '@jwtgate/core';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizeAt,
  cookieOf,
  deliverCallback,
  landing,
  linkThroughProvider,
  ORIGIN_HEADERS,
  PUBLIC_URL,
  signInThroughApi,
  startBrowserFlow,
  startServerWithProviders,
} from '../support/federated-flow.js';
import { type OidcProvider, startOidcProvider } from '../support/identity-providers.js';
import { codeFor, enrolTotp, verify } from '../support/mfa-steps.js';
import { decodeJwt, type TestServer } from '../support/test-server.js';

// oauth2-mock-server reads the client id from Basic credentials without form-decoding it.
const CLIENT_ID = 'jwtgatetest';
const secretEnv = {
  JWTGATE_OAUTH_PROVIDERS_IDP_CLIENT_SECRET: 'idp-client-secret-value',
  JWTGATE_OAUTH_PROVIDERS_QUIET_CLIENT_SECRET: 'quiet-client-secret-value',
};

function providersYaml(issuer: string): string {
  return [
    'OAuth:',
    '  Providers:',
    '    idp:',
    `      Issuer: ${issuer}`,
    `      ClientId: ${CLIENT_ID}`,
    '      Logout: true',
    // The same provider without Logout: its sessions end at jwtgate only.
    '    quiet:',
    `      Issuer: ${issuer}`,
    `      ClientId: ${CLIENT_ID}`,
    '',
  ].join('\n');
}

let people = 0;
function person() {
  people += 1;
  const sub = `logout-${people}-${Math.random().toString(36).slice(2, 8)}`;
  return { sub, email: `${sub}@example.com`, email_verified: true };
}

/** A browser sign-in through `provider`: the refresh cookie and an access token of the new session. */
async function signIn(t: TestServer, provider: string) {
  const flow = await startBrowserFlow(t, provider);
  const callback = await deliverCallback(t, await authorizeAt(flow.authorizationUrl), flow.flowCookie);
  const cookie = cookieOf(callback, 'jwtgate_refresh');
  if (cookie === undefined) throw new Error(`no refresh cookie; landed at ${callback.headers.location}`);
  const refreshed = await t.request({ method: 'POST', url: '/auth/refresh', headers: { ...ORIGIN_HEADERS, cookie } });
  expect(refreshed.statusCode).toBe(200);
  return {
    cookie: cookieOf(refreshed, 'jwtgate_refresh') ?? cookie,
    accessToken: refreshed.json().accessToken as string,
  };
}

async function logout(t: TestServer, session: { cookie: string; accessToken: string }) {
  return t.request({
    method: 'POST',
    url: '/auth/logout',
    token: session.accessToken,
    headers: { ...ORIGIN_HEADERS, cookie: session.cookie },
  });
}

async function refreshRefused(t: TestServer, cookie: string): Promise<boolean> {
  const answer = await t.request({ method: 'POST', url: '/auth/refresh', headers: { ...ORIGIN_HEADERS, cookie } });
  return answer.statusCode === 401;
}

describe('logout at the identity provider (RP-Initiated Logout)', () => {
  let idp: OidcProvider;
  let t: TestServer;
  beforeAll(async () => {
    idp = await startOidcProvider();
    t = await startServerWithProviders(providersYaml(idp.issuer), secretEnv);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });

  it("answers the provider's logout URL with the sign-in's id token as hint, which the provider's keys verify", async () => {
    const who = person();
    idp.claims = who;
    const session = await signIn(t, 'idp');
    const userId = decodeJwt(session.accessToken).payload.sub as string;
    const hintsOf = () =>
      t.server.database.db
        .selectFrom('jwtgate_provider_logout_hints')
        .selectAll()
        .where('user_id', '=', userId)
        .execute();
    const [stored] = await hintsOf();
    const answer = await logout(t, session);
    expect(answer.statusCode).toBe(200);
    const body = answer.json();
    // Kept sealed while the session lived, and gone with it.
    expect(await hintsOf()).toEqual([]);
    expect(body.revoked).toBe(1);
    expect(String(answer.headers['set-cookie'])).toMatch(/jwtgate_refresh=;/);
    // The jwtgate session is over before the browser goes anywhere.
    expect(await refreshRefused(t, session.cookie)).toBe(true);

    const url = new URL(body.providerLogoutUrl);
    const metadata = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as {
      end_session_endpoint: string;
      jwks_uri: string;
    };
    expect(url.origin + url.pathname).toBe(metadata.end_session_endpoint);
    expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${PUBLIC_URL}/`);
    const state = url.searchParams.get('state');
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const hint = url.searchParams.get('id_token_hint') ?? '';
    const { payload } = await jwtVerify(hint, createRemoteJWKSet(new URL(metadata.jwks_uri)), {
      issuer: idp.issuer,
      audience: CLIENT_ID,
      // The hint may be an expired id token; the provider only reads who it names.
      clockTolerance: '1 day',
    });
    expect(payload.sub).toBe(who.sub);
    expect(stored?.sealed_id_token).toMatch(/^h1\./);
    for (const part of hint.split('.')) expect(stored?.sealed_id_token).not.toContain(part);

    // The provider ends its session and sends the browser back to the page, with the state.
    const atProvider = await fetch(url, { redirect: 'manual' });
    expect(atProvider.status).toBe(302);
    const back = new URL(atProvider.headers.get('location') ?? '');
    expect(back.origin + back.pathname).toBe(`${PUBLIC_URL}/`);
    expect(back.searchParams.get('state')).toBe(state);
  });

  it('keeps the hint only until the logout: a second logout of the session carries none', async () => {
    idp.claims = person();
    const session = await signIn(t, 'idp');
    expect((await logout(t, session)).json().providerLogoutUrl).toEqual(expect.any(String));
    const again = await logout(t, session);
    expect(again.json().providerLogoutUrl).toBeUndefined();
  });

  it('answers the URL for a logout of every session too, and not for one of the other sessions', async () => {
    idp.claims = person();
    const session = await signIn(t, 'idp');
    const others = await t.request({
      method: 'POST',
      url: '/auth/logout',
      token: session.accessToken,
      body: { scope: 'others' },
    });
    expect(others.json()).toEqual({ revoked: 0 });
    const all = await t.request({
      method: 'POST',
      url: '/auth/logout',
      token: session.accessToken,
      body: { scope: 'all' },
    });
    expect(all.json()).toEqual({ revoked: 1, providerLogoutUrl: expect.stringContaining('id_token_hint=') });
  });

  it('carries no provider URL for a password session', async () => {
    const alice = await t.signUp();
    const answer = await t.request({ method: 'POST', url: '/auth/logout', token: alice.accessToken });
    expect(answer.json()).toEqual({ revoked: 1 });
  });

  it('carries no provider URL for a provider whose Logout is off', async () => {
    idp.claims = person();
    const session = await signIn(t, 'quiet');
    const answer = await logout(t, session);
    expect(answer.json()).toEqual({ revoked: 1 });
  });

  it('answers the URL to an API client that logs out with its refresh token', async () => {
    idp.claims = person();
    const signedIn = await signInThroughApi(t, 'idp');
    expect(signedIn.statusCode).toBe(200);
    const answer = await t.request({
      method: 'POST',
      url: '/auth/logout',
      body: { refreshToken: signedIn.json().refreshToken },
    });
    expect(answer.json()).toEqual({ revoked: 1, providerLogoutUrl: expect.stringContaining('id_token_hint=') });
  });
});

describe('logout while the identity provider is down', () => {
  it('ends the jwtgate session and answers no provider URL', async () => {
    const idp = await startOidcProvider();
    const t = await startServerWithProviders(providersYaml(idp.issuer), secretEnv);
    try {
      idp.claims = person();
      const first = await signIn(t, 'idp');
      await idp.stop();
      // Past the hour discovered metadata is kept: jwtgate must ask the provider again, and cannot.
      t.clock.advance(2 * 3_600_000);
      const refreshed = await t.request({
        method: 'POST',
        url: '/auth/refresh',
        headers: { ...ORIGIN_HEADERS, cookie: first.cookie },
      });
      expect(refreshed.statusCode).toBe(200);
      const session = {
        cookie: cookieOf(refreshed, 'jwtgate_refresh') ?? first.cookie,
        accessToken: refreshed.json().accessToken,
      };
      const answer = await logout(t, session);
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual({ revoked: 1 });
      expect(await refreshRefused(t, session.cookie)).toBe(true);
    } finally {
      await t.close();
    }
  });
});

describe('logout at the identity provider after a sign-in that needed a second factor', () => {
  let idp: OidcProvider;
  let t: TestServer;
  beforeAll(async () => {
    idp = await startOidcProvider();
    t = await startServerWithProviders(providersYaml(idp.issuer), {
      ...secretEnv,
      JWTGATE_MFA_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      JWTGATE_MFA_REQUIRED_FOR_ROLES: 'admin',
    });
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });

  /** A password account linked to a fresh subject at `provider`; the provider signs that subject in from now on. */
  async function linkedUser(provider: string) {
    const user = await t.signUp();
    idp.claims = person();
    expect(landing(await linkThroughProvider(t, provider, user.accessToken)).url.hash).toBe(
      `#oauth-linked=${provider}`,
    );
    return user;
  }

  /** Signs in through the provider and stops at the second factor: the mfaToken, and the paused login's stored row. */
  async function pausedAt(provider: string) {
    const flow = await startBrowserFlow(t, provider);
    const done = await deliverCallback(t, await authorizeAt(flow.authorizationUrl), flow.flowCookie);
    expect(cookieOf(done, 'jwtgate_refresh')).toBeUndefined();
    const mfaToken = landing(done).fragment.get('oauth-mfa');
    if (mfaToken === null) throw new Error(`no pause; landed at ${done.headers.location}`);
    const rows = await t.server.database.db
      .selectFrom('jwtgate_login_challenges')
      .select(['id', 'provider_hint'])
      .where('id', '=', hashLoginChallengeToken(mfaToken) as string)
      .execute();
    return { mfaToken, row: rows[0] };
  }

  async function providerLogoutOf(answer: { json(): { accessToken: string } }, cookieHeader: string) {
    const session = { cookie: cookieHeader, accessToken: answer.json().accessToken };
    const out = await logout(t, session);
    expect(out.statusCode).toBe(200);
    expect(await refreshRefused(t, session.cookie)).toBe(true);
    return out.json() as { revoked: number; providerLogoutUrl?: string };
  }

  async function hintSubject(url: string): Promise<unknown> {
    const hint = new URL(url).searchParams.get('id_token_hint') ?? '';
    const metadata = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as {
      jwks_uri: string;
    };
    const { payload } = await jwtVerify(hint, createRemoteJWKSet(new URL(metadata.jwks_uri)), {
      issuer: idp.issuer,
      audience: CLIENT_ID,
      clockTolerance: '1 day',
    });
    return payload.sub;
  }

  it('carries the id token, sealed, through the authenticator-app step, and the logout answers it as hint', async () => {
    const user = await linkedUser('idp');
    const { secret } = await enrolTotp(t, user);
    const who = idp.claims.sub;
    const { mfaToken, row } = await pausedAt('idp');
    // Sealed in the paused login's row only: neither the row nor the mfaToken holds any part of the id token.
    expect(row?.provider_hint).toMatch(/^p1\./);
    const verified = await verify(t, mfaToken, codeFor(secret, t.clock.now()), 'totp', ORIGIN_HEADERS);
    expect(verified.statusCode, verified.body).toBe(200);
    // Used, the paused login is gone, and its hint with it.
    const left = await t.server.database.db
      .selectFrom('jwtgate_login_challenges')
      .select('id')
      .where('id', '=', row?.id as string)
      .execute();
    expect(left).toEqual([]);
    const body = await providerLogoutOf(verified, cookieOf(verified, 'jwtgate_refresh') as string);
    expect(body.revoked).toBe(1);
    const hint = new URL(body.providerLogoutUrl ?? 'x:').searchParams.get('id_token_hint') ?? '';
    expect(await hintSubject(body.providerLogoutUrl as string)).toBe(who);
    for (const part of hint.split('.')) {
      expect(row?.provider_hint).not.toContain(part);
      expect(mfaToken).not.toContain(part);
    }
  });

  it('carries it through setting up a second factor that the role requires', async () => {
    const user = await linkedUser('idp');
    await t.server.users.update(user.userId, { role: 'admin', updatedAt: t.clock.now() });
    const who = idp.claims.sub;
    const { mfaToken } = await pausedAt('idp');
    const enrol = await t.request({
      method: 'POST',
      url: '/auth/mfa/enrollment/totp',
      headers: ORIGIN_HEADERS,
      body: { mfaToken },
    });
    expect(enrol.statusCode, enrol.body).toBe(200);
    const done = await t.request({
      method: 'POST',
      url: '/auth/mfa/enrollment/totp/confirm',
      headers: ORIGIN_HEADERS,
      body: { mfaToken, code: codeFor(enrol.json().secret, t.clock.now()) },
    });
    expect(done.statusCode, done.body).toBe(200);
    const body = await providerLogoutOf(done, cookieOf(done, 'jwtgate_refresh') as string);
    expect(await hintSubject(body.providerLogoutUrl as string)).toBe(who);
  });

  it('carries nothing for a provider whose Logout is off', async () => {
    const user = await linkedUser('quiet');
    const { secret } = await enrolTotp(t, user);
    const { mfaToken, row } = await pausedAt('quiet');
    expect(row?.provider_hint).toBeNull();
    const verified = await verify(t, mfaToken, codeFor(secret, t.clock.now()), 'totp', ORIGIN_HEADERS);
    expect(verified.statusCode).toBe(200);
    expect(await providerLogoutOf(verified, cookieOf(verified, 'jwtgate_refresh') as string)).toEqual({ revoked: 1 });
  });
});
