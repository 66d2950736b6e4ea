import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { OAuth2Issuer, OAuth2Server } from 'oauth2-mock-server';

/** What the next id tokens of the OpenID Connect provider say (besides what it sets itself). */
export type IdTokenClaims = Record<string, unknown>;

/** A real OpenID Connect provider (oauth2-mock-server): discovery, JWKS, signed id tokens, PKCE code exchange. */
export interface OidcProvider {
  readonly issuer: string;
  readonly server: OAuth2Server;
  /** Claims merged into every id token from now on (`sub`, `email`, `email_verified`, or a wrong `aud`, `iss`, `nonce`). */
  claims: IdTokenClaims;
  /** Claims the user-info endpoint answers on top of `claims` (an address the id token does not carry). */
  userInfoClaims: IdTokenClaims;
  /** Id tokens from now on are signed with a key the provider does not publish. */
  signWithForeignKey: boolean;
  /**
   * Id tokens from now on are forged: `none` unsigned, `HS256` signed with
   * `clientSecret` as the key (the confusion RFC 8725 §2.1 warns of); `null` signed as usual.
   */
  forgeIdToken: { readonly alg: 'none' } | { readonly alg: 'HS256'; readonly clientSecret: string } | null;
  stop(): Promise<void>;
}

/**
 * Starts an OpenID Connect provider on a free loopback port. Its id tokens
 * carry `claims`; the access token is left as the library makes it.
 *
 * @example
 * const idp = await startOidcProvider();
 * idp.claims = { sub: 'alice', email: 'alice@example.com', email_verified: true };
 */
export async function startOidcProvider(
  options: {
    readonly consentPage?: boolean;
    /** What the discovery document announces as `id_token_signing_alg_values_supported` (the library says RS256). */
    readonly idTokenAlgorithms?: readonly string[];
  } = {},
): Promise<OidcProvider> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  const foreign = new OAuth2Issuer();
  await foreign.keys.generate('RS256');
  const provider: OidcProvider = {
    issuer: '',
    server,
    claims: {},
    userInfoClaims: {},
    signWithForeignKey: false,
    forgeIdToken: null,
    stop: () =>
      new Promise((resolve) => {
        http.close(() => resolve());
        // A browser keeps its connections open: waiting for them would hold the test up for a minute.
        http.closeAllConnections();
      }),
  };
  server.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
    // The id token is the one without a scope.
    if ('scope' in token.payload) return;
    Object.assign(token.payload, provider.claims);
  });
  // The user-info endpoint describes the same user as the id tokens.
  server.service.on('beforeUserinfo', (response: { body: Record<string, unknown> }) => {
    Object.assign(response.body, provider.claims, provider.userInfoClaims);
  });
  const originalBuild = server.issuer.buildToken.bind(server.issuer);
  server.issuer.buildToken = async (options) => {
    const token = await originalBuild(options);
    if (!provider.signWithForeignKey && provider.forgeIdToken === null) return token;
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString()) as Record<string, unknown>;
    if ('scope' in claims) return token;
    const forged = provider.forgeIdToken;
    if (forged?.alg === 'none') {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      return `${header}.${payload}.`;
    }
    if (forged?.alg === 'HS256') {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(new TextEncoder().encode(forged.clientSecret));
    }
    foreign.url = server.issuer.url;
    return foreign.buildToken({ scopesOrTransform: (_header, body) => Object.assign(body, claims) });
  };
  // Served by a server of the test's own, so that a consent page can stand in front of the
  // library's authorization endpoint, which signs the user in at once.
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', provider.issuer);
    if (options.consentPage === true && url.pathname === '/authorize' && !url.searchParams.has('decision')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(consentPage(url.searchParams));
      return;
    }
    if (url.pathname === '/frontchannel-logout-page') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(frontChannelLogoutPage(url.searchParams, provider.issuer));
      return;
    }
    if (url.pathname === '/authorize' && url.searchParams.get('decision') === 'deny') {
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      res.end();
      return;
    }
    if (options.idTokenAlgorithms !== undefined && url.pathname === '/.well-known/openid-configuration') {
      announceAlgorithms(res, options.idTokenAlgorithms);
    }
    server.service.requestHandler(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  server.issuer.url = `http://localhost:${(http.address() as AddressInfo).port}`;
  (provider as { issuer: string }).issuer = server.issuer.url;
  return provider;
}

/** Makes the library's discovery answer announce `algorithms` for id tokens, as some providers (Keycloak: HS256) do. */
function announceAlgorithms(res: ServerResponse, algorithms: readonly string[]): void {
  // The library answers with Express's res.json, from the prototype Express gives the response.
  Object.defineProperty(res, 'json', {
    value(body: Record<string, unknown>) {
      const json = (Object.getPrototypeOf(res) as { json(body: unknown): unknown }).json;
      return json.call(res, { ...body, id_token_signing_alg_values_supported: algorithms });
    },
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The provider's consent page: the authorization request's parameters, and Allow or Deny. */
function consentPage(parameters: URLSearchParams): string {
  const hidden = [...parameters]
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return `<!doctype html><html lang="en"><head><title>Test IdP: consent</title><link rel="icon" href="data:,"></head><body>
<h1>Test IdP</h1><p>${escapeHtml(parameters.get('client_id') ?? '')} would like to know who you are.</p>
<form method="get" action="/authorize">${hidden}
<button name="decision" value="allow">Allow</button> <button name="decision" value="deny">Deny</button></form>
</body></html>`;
}

/**
 * The provider's page after a logout (Front-Channel Logout 1.0 §2): an
 * iframe of the relying party's `uri` with the provider's `iss` and the
 * ended session's `sid` (`/frontchannel-logout-page?uri=…&sid=…`).
 */
function frontChannelLogoutPage(parameters: URLSearchParams, issuer: string): string {
  const target = new URL(parameters.get('uri') ?? '');
  target.searchParams.set('iss', issuer);
  target.searchParams.set('sid', parameters.get('sid') ?? '');
  return `<!doctype html><html lang="en"><head><title>Test IdP: signed out</title><link rel="icon" href="data:,"></head><body>
<h1>Signed out of Test IdP</h1><iframe title="relying party" src="${escapeHtml(target.href)}"></iframe>
</body></html>`;
}

/** A user of the GitHub-style provider. */
export interface GitHubStyleUser {
  readonly id: number;
  readonly login: string;
  readonly email: string | null;
}

/** A plain OAuth 2.0 provider shaped like GitHub's, served by the test. */
export interface GitHubStyleProvider {
  readonly url: string;
  /** Who signs in at the next authorization. */
  user: GitHubStyleUser;
  /** How many times each code was redeemed (each works once). */
  readonly redeemed: Map<string, number>;
  stop(): Promise<void>;
}

/**
 * A plain OAuth 2.0 provider in GitHub's shape: `/login/oauth/authorize`
 * (signs `user` in at once), `/login/oauth/access_token` (checks the client
 * secret and the PKCE verifier, one use per code) and `/user` (the
 * user-info answer, with a numeric `id` and a `login`).
 *
 * @example
 * const gh = await startGitHubStyleProvider({ clientId: 'gh-client', clientSecret: 'gh-secret' });
 */
export async function startGitHubStyleProvider(client: {
  readonly clientId: string;
  readonly clientSecret: string;
}): Promise<GitHubStyleProvider> {
  const codes = new Map<string, { challenge: string; user: GitHubStyleUser; redirectUri: string }>();
  const tokens = new Map<string, GitHubStyleUser>();
  const redeemed = new Map<string, number>();
  const provider: GitHubStyleProvider = {
    url: '',
    user: { id: 1, login: 'octocat', email: null },
    redeemed,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', provider.url);
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      const back = new URL(redirectUri);
      if (
        url.searchParams.get('client_id') !== client.clientId ||
        url.searchParams.get('code_challenge_method') !== 'S256'
      ) {
        back.searchParams.set('error', 'invalid_request');
      } else {
        const code = randomBytes(10).toString('hex');
        codes.set(code, { challenge: url.searchParams.get('code_challenge') ?? '', user: provider.user, redirectUri });
        back.searchParams.set('code', code);
      }
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      res.end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      let body = '';
      req.on('data', (chunk) => {
        body += String(chunk);
      });
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
        const [id, secret] = basic.split(':').map((part) => decodeURIComponent(part));
        const code = form.get('code') ?? '';
        redeemed.set(code, (redeemed.get(code) ?? 0) + 1);
        const issued = codes.get(code);
        codes.delete(code);
        const challenge = createHash('sha256')
          .update(form.get('code_verifier') ?? '')
          .digest('base64url');
        if (id !== client.clientId || secret !== client.clientSecret)
          return json(res, 401, { error: 'invalid_client' });
        if (issued === undefined || issued.challenge !== challenge || issued.redirectUri !== form.get('redirect_uri')) {
          return json(res, 400, { error: 'invalid_grant' });
        }
        const token = `gho_${randomBytes(16).toString('hex')}`;
        tokens.set(token, issued.user);
        json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user' });
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/user') {
      const user = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (user === undefined) return json(res, 401, { message: 'Bad credentials' });
      return json(res, 200, { id: user.id, login: user.login, email: user.email, type: 'User' });
    }
    json(res, 404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (provider as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return provider;
}
