import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { makeTempDir } from './temp-dir.js';
import { startTestServer, type TestServer } from './test-server.js';

/** The public URL the test servers run under (`inject()` needs no real host). */
export const PUBLIC_URL = 'https://jwtgate.test';
// `inject()` speaks plain HTTP, so the server's own origin, as it sees it, is http:.
export const ORIGIN_HEADERS = { host: 'jwtgate.test', origin: 'http://jwtgate.test', 'x-jwtgate-csrf': '1' };

/**
 * A test server configured with `yaml` (its `OAuth` section) and the
 * providers' client secrets in `env`, under {@link PUBLIC_URL}.
 *
 * @example
 * const t = await startServerWithProviders(`OAuth:\n  Providers:\n    idp:\n      Issuer: ${issuer}\n`, env);
 */
export async function startServerWithProviders(
  yaml: string,
  env: Record<string, string> = {},
  options: Parameters<typeof startTestServer>[0] = {},
): Promise<TestServer> {
  const dir = makeTempDir();
  const path = join(dir.path, 'jwtgate.yaml');
  writeFileSync(path, yaml);
  const t = await startTestServer({
    ...options,
    env: { JWTGATE_CONFIG: path, JWTGATE_WEB_PUBLIC_URL: PUBLIC_URL, ...env, ...options.env },
  });
  return {
    ...t,
    async close() {
      try {
        await t.close();
      } finally {
        dir.remove();
      }
    },
  };
}

/** The `name=value` of a `Set-Cookie` header of `response` whose name ends with `suffix`. */
export function cookieOf(response: LightMyRequestResponse, suffix: string): string | undefined {
  const header = response.headers['set-cookie'];
  const list = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return list.map((line) => line.split(';')[0] as string).find((pair) => pair.split('=')[0]?.endsWith(suffix));
}

/** One run through the browser flow, step by step, so a test can meddle between the steps. */
export interface BrowserFlow {
  /** The answer of `GET /auth/oauth/{provider}/start`. */
  readonly start: LightMyRequestResponse;
  /** The flow cookie it set (`name=value`). */
  readonly flowCookie: string;
  readonly authorizationUrl: URL;
}

/**
 * Starts the browser flow at `provider` (`GET …/start`).
 *
 * @example
 * const flow = await startBrowserFlow(t, 'idp');
 */
export async function startBrowserFlow(t: TestServer, provider: string, returnTo?: string): Promise<BrowserFlow> {
  const query = returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`;
  const start = await t.request({
    method: 'GET',
    url: `/auth/oauth/${provider}/start${query}`,
    headers: { host: 'jwtgate.test' },
  });
  if (start.statusCode !== 302) throw new Error(`start answered ${start.statusCode} ${start.body}`);
  const flowCookie = cookieOf(start, 'jwtgate_oauth');
  if (flowCookie === undefined) throw new Error('no flow cookie');
  return { start, flowCookie, authorizationUrl: new URL(start.headers.location as string) };
}

/**
 * Follows the authorization URL at the (real) provider, which signs the
 * user in at once, and returns where it sends the browser back to.
 *
 * @example
 * const callback = await authorizeAt(flow.authorizationUrl);
 */
export async function authorizeAt(authorizationUrl: URL): Promise<URL> {
  const answer = await fetch(authorizationUrl, { redirect: 'manual' });
  const location = answer.headers.get('location');
  if (answer.status !== 302 || location === null) throw new Error(`the provider answered ${answer.status}`);
  return new URL(location);
}

/**
 * Delivers the provider's redirect to jwtgate's callback with the flow cookie.
 *
 * @example
 * const done = await deliverCallback(t, callback, flow.flowCookie);
 */
export function deliverCallback(t: TestServer, callback: URL, cookie: string | null): Promise<LightMyRequestResponse> {
  return t.request({
    method: 'GET',
    url: `${callback.pathname}${callback.search}`,
    headers: { host: 'jwtgate.test', ...(cookie === null ? {} : { cookie }) },
  });
}

/** Where a finished browser flow sent the browser, and what the fragment says. */
export function landing(response: LightMyRequestResponse): { url: URL; fragment: URLSearchParams } {
  const url = new URL(response.headers.location as string);
  return { url, fragment: new URLSearchParams(url.hash.slice(1)) };
}

/**
 * The whole browser flow, then the page's first refresh with the cookie it
 * left: the tokens a signed-in page would hold.
 *
 * @example
 * const { accessToken } = await signInThroughProvider(t, 'idp');
 */
export async function signInThroughProvider(
  t: TestServer,
  provider: string,
): Promise<{ accessToken: string; callback: LightMyRequestResponse }> {
  const flow = await startBrowserFlow(t, provider);
  const callback = await deliverCallback(t, await authorizeAt(flow.authorizationUrl), flow.flowCookie);
  const refreshCookie = cookieOf(callback, 'jwtgate_refresh');
  if (refreshCookie === undefined) throw new Error(`no refresh cookie; landed at ${callback.headers.location}`);
  const refreshed = await t.request({
    method: 'POST',
    url: '/auth/refresh',
    headers: { ...ORIGIN_HEADERS, cookie: refreshCookie },
  });
  if (refreshed.statusCode !== 200) throw new Error(`refresh answered ${refreshed.statusCode} ${refreshed.body}`);
  return { accessToken: refreshed.json().accessToken, callback };
}

/**
 * `POST /auth/identities/{provider}/link` as the page sends it: its answer
 * (the authorization URL, and the flow cookie on success).
 *
 * @example
 * const started = await startLinkFlow(t, 'idp', alice.accessToken);
 */
export function startLinkFlow(t: TestServer, provider: string, accessToken: string, returnTo?: string) {
  return t.request({
    method: 'POST',
    url: `/auth/identities/${provider}/link`,
    token: accessToken,
    headers: ORIGIN_HEADERS,
    body: returnTo === undefined ? {} : { returnTo },
  });
}

/**
 * The page's link flow for a signed-in user: `POST /auth/identities/{provider}/link`,
 * the provider, and the callback with the flow cookie that answer set.
 *
 * @example
 * const done = await linkThroughProvider(t, 'idp', alice.accessToken);
 * landing(done).url.hash; // '#oauth-linked=idp'
 */
export async function linkThroughProvider(
  t: TestServer,
  provider: string,
  accessToken: string,
  returnTo?: string,
): Promise<LightMyRequestResponse> {
  const started = await startLinkFlow(t, provider, accessToken, returnTo);
  if (started.statusCode !== 200) throw new Error(`link answered ${started.statusCode} ${started.body}`);
  const flowCookie = cookieOf(started, 'jwtgate_oauth') as string;
  return deliverCallback(t, await authorizeAt(new URL(started.json().authorizationUrl)), flowCookie);
}

/**
 * The JSON variant of a sign-in, as an app runs it: `POST …/start`, the
 * provider, and `POST …/callback` with the flowToken; the callback's answer
 * (tokens, a pause for a second factor, or an error).
 *
 * @example
 * const signedIn = await signInThroughApi(t, 'idp');
 * const { accessToken, refreshToken } = signedIn.json();
 */
export async function signInThroughApi(t: TestServer, provider: string): Promise<LightMyRequestResponse> {
  const started = await t.request({
    method: 'POST',
    url: `/auth/oauth/${provider}/start`,
    headers: ORIGIN_HEADERS,
    body: {},
  });
  const { authorizationUrl, flowToken } = started.json();
  const callbackUrl = (await authorizeAt(new URL(authorizationUrl))).href;
  return t.request({
    method: 'POST',
    url: `/auth/oauth/${provider}/callback`,
    headers: ORIGIN_HEADERS,
    body: { flowToken, callbackUrl },
  });
}
