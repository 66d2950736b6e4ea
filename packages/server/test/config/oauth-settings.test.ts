import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { problemsOf } from '../support/config-problems.js';
import { makeTempDir } from '../support/temp-dir.js';
import { TEST_ACCESS_SECRET, TEST_REFRESH_SECRET } from '../support/test-server.js';

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

function load(yaml: string, env: Record<string, string> = {}) {
  const dir = makeTempDir();
  dirs.push(dir);
  writeFileSync(join(dir.path, 'jwtgate.yaml'), yaml);
  return loadConfig({
    env: { JWTGATE_AUTH_ACCESS_SECRET: TEST_ACCESS_SECRET, JWTGATE_AUTH_REFRESH_SECRET: TEST_REFRESH_SECRET, ...env },
    cwd: dir.path,
    configPath: 'jwtgate.yaml',
  });
}

const google =
  'OAuth:\n  Providers:\n    google:\n      Issuer: https://accounts.google.com\n      ClientId: 123.apps.googleusercontent.com\n';
const secret = { JWTGATE_OAUTH_PROVIDERS_GOOGLE_CLIENT_SECRET: 'a-google-client-secret' };

describe('OAuth settings', () => {
  it('reads an OpenID Connect provider with its secret from the environment and the default scopes', () => {
    const config = load(google, secret);
    expect(config.oauth.providers).toEqual([
      {
        kind: 'oidc',
        name: 'google',
        displayName: 'google',
        issuer: 'https://accounts.google.com',
        clientId: '123.apps.googleusercontent.com',
        clientSecret: 'a-google-client-secret',
        tokenAuthMethod: 'client_secret_basic',
        scopes: ['openid', 'email', 'profile'],
        logout: false,
        backChannelLogout: false,
        frontChannelLogout: false,
      },
    ]);
    expect(config.oauth.backChannelLogoutsPerMinute).toBe(600);
    expect(config.oauth.frontChannelLogoutsPerMinute).toBe(120);
    expect(config.oauth.autoLinkVerifiedEmail).toBe(false);
    expect(config.oauth.storeProviderTokens).toBe(false);
  });

  it('refuses a provider name that cannot be in a URL or a variable name', () => {
    expect(
      problemsOf(() => load('OAuth:\n  Providers:\n    Bad-Name:\n      Issuer: https://idp.example.com\n')),
    ).toEqual([
      expect.stringMatching(
        /^OAuth\.Providers: expected a mapping of provider names of 1-32 lower-case letters and digits/,
      ),
    ]);
  });

  it('refuses, one by one, a missing secret, plain http, half a plain provider and a secret in the file', () => {
    const entry = (name: string, lines: string[]) =>
      `OAuth:\n  Providers:\n    ${name}:\n${lines.map((l) => `      ${l}\n`).join('')}`;
    expect(problemsOf(() => load(entry('a', ['Issuer: https://idp.example.com', 'ClientId: x'])))).toEqual([
      'OAuth.Providers.a.ClientSecret: required with TokenAuthMethod: client_secret_basic; set JWTGATE_OAUTH_PROVIDERS_A_CLIENT_SECRET (or TokenAuthMethod: none for a public client)',
    ]);
    expect(
      problemsOf(() => load(entry('b', ['Issuer: http://idp.example.com', 'ClientId: x', 'TokenAuthMethod: none']))),
    ).toEqual([
      'OAuth.Providers.b.Issuer: expected an https:// URL (http:// only to a loopback address), got "http://idp.example.com"',
    ]);
    expect(
      problemsOf(() =>
        load(entry('c', ['AuthorizationUrl: https://idp.example.com/a', 'ClientId: x', 'TokenAuthMethod: none'])),
      ),
    ).toEqual([
      'OAuth.Providers.c: set Issuer (OpenID Connect) or all of AuthorizationUrl, TokenUrl and UserInfoUrl (plain OAuth 2.0)',
    ]);
    const inFile = problemsOf(() =>
      load(entry('d', ['Issuer: https://idp.example.com', 'ClientId: x', 'ClientSecret: written-here']), {
        JWTGATE_OAUTH_PROVIDERS_D_CLIENT_SECRET: 'from-env',
      }),
    );
    expect(inFile).toEqual([
      expect.stringMatching(
        /^OAuth\.Providers\.d\.ClientSecret: keep it out of the file; set JWTGATE_OAUTH_PROVIDERS_D_CLIENT_SECRET instead/,
      ),
    ]);
    expect(inFile.join()).not.toContain('written-here');
    expect(problemsOf(() => load(entry('e', ['ClientId: x', 'TokenAuthMethod: none'])))).toHaveLength(1);
  });

  /** A plain OAuth 2.0 provider with `setting: true`. */
  const plainProviderWith = (setting: string) =>
    [
      'OAuth:',
      '  Providers:',
      '    github:',
      '      AuthorizationUrl: https://github.com/login/oauth/authorize',
      '      TokenUrl: https://github.com/login/oauth/access_token',
      '      UserInfoUrl: https://api.github.com/user',
      '      ClientId: x',
      '      TokenAuthMethod: none',
      `      ${setting}: true`,
      '',
    ].join('\n');

  it('turns logout at the provider on per OpenID Connect provider, and refuses it for plain OAuth 2.0', () => {
    const on = load(google.replace('ClientId:', 'Logout: true\n      ClientId:'), secret);
    expect(on.oauth.providers[0]).toMatchObject({ kind: 'oidc', logout: true });
    const plain = plainProviderWith('Logout');
    expect(problemsOf(() => load(plain))).toEqual([
      'OAuth.Providers.github.Logout: only OpenID Connect providers (Issuer) announce an end-session endpoint; remove Logout or set it to false',
    ]);
  });

  it('turns back-channel logout on per OpenID Connect provider, and refuses it for plain OAuth 2.0', () => {
    const on = load(google.replace('ClientId:', 'BackChannelLogout: true\n      ClientId:'), secret);
    expect(on.oauth.providers[0]).toMatchObject({ kind: 'oidc', backChannelLogout: true, logout: false });
    const plain = plainProviderWith('BackChannelLogout');
    expect(problemsOf(() => load(plain))).toEqual([
      'OAuth.Providers.github.BackChannelLogout: only OpenID Connect providers (Issuer) sign logout tokens; remove BackChannelLogout or set it to false',
    ]);
  });

  it('turns front-channel logout on per OpenID Connect provider, and refuses it for plain OAuth 2.0', () => {
    const on = load(google.replace('ClientId:', 'FrontChannelLogout: true\n      ClientId:'), secret);
    expect(on.oauth.providers[0]).toMatchObject({ kind: 'oidc', frontChannelLogout: true, backChannelLogout: false });
    const plain = plainProviderWith('FrontChannelLogout');
    expect(problemsOf(() => load(plain))).toEqual([
      'OAuth.Providers.github.FrontChannelLogout: only OpenID Connect providers (Issuer) name their sessions to relying parties; remove FrontChannelLogout or set it to false',
    ]);
  });

  it('reads the logout rate limits, and refuses a negative one', () => {
    const limits = 'OAuth:\n  BackChannelLogoutsPerMinute: 5\n  FrontChannelLogoutsPerMinute: 0\n  Providers:';
    const config = load(google.replace('OAuth:\n  Providers:', limits), secret);
    expect(config.oauth).toMatchObject({ backChannelLogoutsPerMinute: 5, frontChannelLogoutsPerMinute: 0 });
    const negative = google.replace('OAuth:\n  Providers:', 'OAuth:\n  BackChannelLogoutsPerMinute: -1\n  Providers:');
    expect(problemsOf(() => load(negative, secret))).toEqual([
      expect.stringMatching(/^OAuth\.BackChannelLogoutsPerMinute: /),
    ]);
  });

  it('refuses a client secret variable for a provider that is not configured', () => {
    expect(problemsOf(() => load(google, { ...secret, JWTGATE_OAUTH_PROVIDERS_GITHUB_CLIENT_SECRET: 'x' }))).toEqual([
      expect.stringMatching(/^JWTGATE_OAUTH_PROVIDERS_GITHUB_CLIENT_SECRET: unknown environment variable/),
    ]);
  });

  it('needs Web.PublicUrl in production, and a sealing key to keep provider tokens', () => {
    expect(problemsOf(() => load(google, { ...secret, NODE_ENV: 'production' }))).toContainEqual(
      expect.stringMatching(/^Web\.PublicUrl: required in production with OAuth\.Providers/),
    );
    expect(
      problemsOf(() =>
        load(`${google}  StoreProviderTokens: true\n`, {
          ...secret,
          NODE_ENV: 'production',
          JWTGATE_WEB_PUBLIC_URL: 'https://auth.example.com',
        }),
      ),
    ).toEqual([expect.stringMatching(/^OAuth\.StoreProviderTokens: needs Mfa\.EncryptionKey/)]);
  });
});
