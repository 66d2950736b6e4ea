import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { TestServer } from './test-server.js';

/** The origin `inject()` requests come from when they claim to be the server's own page. */
export const OWN_ORIGIN = 'http://localhost';
export const COOKIE_NAME = '__Secure-jwtgate_refresh';

/** What the page's own requests carry: its origin and the CSRF header. */
export const fromPage = { origin: OWN_ORIGIN, 'x-jwtgate-csrf': '1' } as const;

/** A parsed `Set-Cookie` header: the pair and its attributes, names lower-cased. */
export interface SetCookie {
  readonly name: string;
  readonly value: string;
  readonly attributes: Readonly<Record<string, string | true>>;
}

/** Every `Set-Cookie` of an answer. */
export function setCookies(res: LightMyRequestResponse): SetCookie[] {
  const raw = res.headers['set-cookie'];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((header) => {
    const [pair = '', ...rest] = header.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    const attributes: Record<string, string | true> = {};
    for (const part of rest) {
      const at = part.indexOf('=');
      if (at === -1) attributes[part.toLowerCase()] = true;
      else attributes[part.slice(0, at).toLowerCase()] = part.slice(at + 1);
    }
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
  });
}

/** The one refresh cookie an answer sets, or `undefined`. */
export function refreshCookieOf(res: LightMyRequestResponse, name = COOKIE_NAME): SetCookie | undefined {
  const found = setCookies(res).filter((cookie) => cookie.name === name);
  if (found.length > 1) throw new Error(`more than one ${name} cookie set`);
  return found[0];
}

/**
 * Logs in in cookie mode from the page (registering a fresh user unless
 * `username` names an existing one); returns the access token and the
 * `Cookie` header value the browser would send back.
 */
export async function cookieLogin(
  t: TestServer,
  options: { device?: string; username?: string; password?: string; cookieName?: string } = {},
) {
  const username = options.username ?? `web-${Math.random().toString(36).slice(2, 10)}`;
  const password = options.password ?? 'correct horse battery staple';
  if (options.username === undefined) {
    const registered = await t.request({ method: 'POST', url: '/auth/register', body: { username, password } });
    if (registered.statusCode !== 201) throw new Error(`register failed: ${registered.statusCode} ${registered.body}`);
  }
  const user = { username, password };
  const res = await t.request({
    method: 'POST',
    url: '/auth/login',
    body: {
      username: user.username,
      password: user.password,
      cookie: true,
      ...(options.device ? { device: options.device } : {}),
    },
    headers: fromPage,
  });
  if (res.statusCode !== 200) throw new Error(`cookie login failed: ${res.statusCode} ${res.body}`);
  const cookie = refreshCookieOf(res, options.cookieName);
  if (cookie === undefined) throw new Error('no refresh cookie set');
  const accessToken: string = res.json().accessToken;
  return { ...user, accessToken, refreshToken: cookie.value, cookie: `${cookie.name}=${cookie.value}`, response: res };
}

/**
 * Registers and logs in in cookie mode through any app (an embedder's own
 * server), returning the login answer and the `Cookie` header value.
 */
export async function injectCookieLogin(
  app: { inject: (options: InjectOptions) => Promise<LightMyRequestResponse> },
  credentials: { readonly username: string; readonly password: string },
) {
  const json = { 'content-type': 'application/json', ...fromPage };
  const registered = await app.inject({ method: 'POST', url: '/auth/register', headers: json, payload: credentials });
  const login = await app.inject({
    method: 'POST',
    url: '/auth/login',
    headers: json,
    payload: { ...credentials, cookie: true },
  });
  if (login.statusCode !== 200) throw new Error(`cookie login failed: ${login.statusCode} ${login.body}`);
  const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
  return { userId: registered.json().id as string, accessToken: login.json().accessToken as string, cookie, login };
}
