import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizeAt,
  deliverCallback,
  landing,
  linkThroughProvider,
  ORIGIN_HEADERS,
  signInThroughProvider,
  startBrowserFlow,
  startServerWithProviders,
} from '../support/federated-flow.js';
import {
  type GitHubStyleProvider,
  type OidcProvider,
  startGitHubStyleProvider,
  startOidcProvider,
} from '../support/identity-providers.js';
import { decodeJwt, type TestServer } from '../support/test-server.js';

const github = { clientId: 'gh-client', clientSecret: 'gh-client-secret-value' };

describe('sign-in with a plain OAuth 2.0 provider shaped like GitHub', () => {
  let gh: GitHubStyleProvider;
  let idp: OidcProvider;
  let t: TestServer;
  beforeAll(async () => {
    gh = await startGitHubStyleProvider(github);
    idp = await startOidcProvider();
    const yaml = [
      'OAuth:',
      '  Providers:',
      '    github:',
      '      DisplayName: GitHub',
      `      AuthorizationUrl: ${gh.url}/login/oauth/authorize`,
      `      TokenUrl: ${gh.url}/login/oauth/access_token`,
      `      UserInfoUrl: ${gh.url}/user`,
      `      ClientId: ${github.clientId}`,
      '      Scopes: [read:user, user:email]',
      '      Fields: { subject: id, name: login }',
      '      EmailVerified: true',
      '    idp:',
      `      Issuer: ${idp.issuer}`,
      '      ClientId: jwtgatetest',
      '',
    ].join('\n');
    t = await startServerWithProviders(yaml, {
      JWTGATE_OAUTH_PROVIDERS_GITHUB_CLIENT_SECRET: github.clientSecret,
      JWTGATE_OAUTH_PROVIDERS_IDP_CLIENT_SECRET: 'idp-client-secret-value',
    });
  });
  afterAll(async () => {
    await t?.close();
    await gh?.stop();
    await idp?.stop();
  });

  it('signs up and in with the mapped id, login and address, redeeming each code once', async () => {
    gh.user = { id: 583231, login: 'octocat', email: 'octocat@example.com' };
    const { accessToken } = await signInThroughProvider(t, 'github');
    expect(decodeJwt(accessToken).payload.amr).toEqual(['fed']);
    const me = (await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).json();
    expect(me.user).toMatchObject({ email: 'octocat@example.com', emailVerified: true });
    const identities = (await t.request({ method: 'GET', url: '/auth/identities', token: accessToken })).json();
    expect(identities.identities).toEqual([
      expect.objectContaining({ provider: 'github', providerName: 'GitHub', subject: '583231', name: 'octocat' }),
    ]);
    expect([...gh.redeemed.values()].every((count) => count === 1)).toBe(true);
    const again = await signInThroughProvider(t, 'github');
    expect(decodeJwt(again.accessToken).payload.sub).toBe(decodeJwt(accessToken).payload.sub);
  });

  it('ends on the page with ERR_OAUTH_PROVIDER_ERROR when the provider refuses the code', async () => {
    gh.user = { id: 1001, login: 'mallory', email: null };
    const flow = await startBrowserFlow(t, 'github');
    const callback = await authorizeAt(flow.authorizationUrl);
    callback.searchParams.set('code', 'a-code-it-never-issued');
    const done = await deliverCallback(t, callback, flow.flowCookie);
    expect(landing(done).fragment.get('oauth-error')).toBe('ERR_OAUTH_PROVIDER_ERROR');
  });

  it('unlinks an identity only while another way to sign in remains', async () => {
    gh.user = { id: 4242, login: 'unlinker', email: null };
    const { accessToken } = await signInThroughProvider(t, 'github');
    const unlink = (provider: string) =>
      t.request({ method: 'DELETE', url: `/auth/identities/${provider}`, token: accessToken, headers: ORIGIN_HEADERS });
    const last = await unlink('github');
    expect(last.statusCode).toBe(409);
    expect(last.json().error.code).toBe('ERR_LAST_SIGN_IN_METHOD');
    expect((await unlink('idp')).json().error.code).toBe('ERR_IDENTITY_NOT_FOUND');

    // A second identity, linked while signed in, makes the first one removable.
    idp.claims = { sub: `unlinker-${Date.now()}` };
    const linked = await linkThroughProvider(t, 'idp', accessToken);
    expect(landing(linked).url.hash).toBe('#oauth-linked=idp');
    expect((await unlink('github')).statusCode).toBe(204);
    const left = (await t.request({ method: 'GET', url: '/auth/identities', token: accessToken })).json();
    expect(left.identities.map((i: { provider: string }) => i.provider)).toEqual(['idp']);
    // The unlinked identity is a stranger now: it gets an account of its own.
    const stranger = await signInThroughProvider(t, 'github');
    expect(decodeJwt(stranger.accessToken).payload.sub).not.toBe(decodeJwt(accessToken).payload.sub);
  });

  it("shows administrators a user's identities", async () => {
    gh.user = { id: 777, login: 'watched', email: null };
    const { accessToken } = await signInThroughProvider(t, 'github');
    const userId = decodeJwt(accessToken).payload.sub as string;
    const admin = await t.signUp();
    await t.server.users.update(admin.userId, { role: 'admin', updatedAt: 1 });
    const login = await t.login(admin.username, admin.password);
    const answer = await t.request({
      method: 'GET',
      url: `/admin/users/${userId}/identities`,
      token: login.accessToken,
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ passwordSet: false, identities: [{ provider: 'github', subject: '777' }] });
    const refused = await t.request({ method: 'GET', url: `/admin/users/${userId}/identities`, token: accessToken });
    expect(refused.statusCode).toBe(403);
  });
});
