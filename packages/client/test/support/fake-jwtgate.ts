/**
 * A stand-in for the jwtgate HTTP API as a browser sees it, including the
 * browser's cookie jar that every tab shares. It is the SDK's unit-test
 * double: the real server is exercised by the server tests and, with this
 * SDK, by the browser tests.
 */

interface FakeSession {
  readonly id: string;
  readonly device: string | null;
  generation: number;
  revoked: boolean;
}

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly origin: string;
  readonly authorization: string | null;
  readonly csrf: string | null;
  readonly credentials: RequestCredentials;
  readonly body: string;
}

const BASE = 'https://auth.test';

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

function error(status: number, code: string): Response {
  return json(status, { error: { code, message: code } });
}

export function createFakeJwtgate(options: {
  readonly clock: { now(): number };
  readonly accessTtlSec?: number;
  readonly refreshAfterSec?: number;
  /** Renew an expired token on the fly, as the server does in cookie mode. */
  readonly silentRefresh?: boolean;
}) {
  const accessTtl = options.accessTtlSec ?? 60;
  const refreshAfter = options.refreshAfterSec ?? 30;
  const jar = new Map<string, string>();
  const sessions = new Map<string, FakeSession>();
  const tokens = new Map<string, { sid: string; exp: number }>();
  const calls: RecordedCall[] = [];
  let counter = 0;
  let failure: 'network' | number | null = null;
  let hold: Promise<void> | null = null;

  function mint(session: FakeSession) {
    counter += 1;
    const iat = Math.floor(options.clock.now() / 1000);
    const exp = iat + accessTtl;
    const claims = {
      iss: 'jwtgate',
      aud: 'jwtgate',
      sub: 'user-1',
      sid: session.id,
      role: 'user',
      iat,
      exp,
      jti: `j${counter}`,
    };
    const accessToken = `${b64({ alg: 'HS256', typ: 'at+jwt' })}.${b64(claims)}.sig${counter}`;
    tokens.set(accessToken, { sid: session.id, exp: exp * 1000 });
    return { accessToken, tokenType: 'Bearer', expiresIn: accessTtl, refreshAfter: iat + refreshAfter };
  }

  function rotate(session: FakeSession) {
    session.generation += 1;
    jar.set('rt', `${session.id}.${session.generation}`);
    return mint(session);
  }

  function cookieSession(): FakeSession | null {
    const value = jar.get('rt');
    if (value === undefined) return null;
    const [id, generation] = value.split('.');
    const session = sessions.get(id ?? '');
    if (session === undefined || session.revoked || String(session.generation) !== generation) return null;
    return session;
  }

  /** The session of a bearer token, or the error code the server would answer. */
  function bearer(
    request: Request,
  ): FakeSession | 'ERR_TOKEN_MISSING' | 'ERR_TOKEN_EXPIRED' | 'ERR_TOKEN_REVOKED' | 'ERR_TOKEN_INVALID' {
    const header = request.headers.get('authorization');
    if (header === null) return 'ERR_TOKEN_MISSING';
    const token = tokens.get(header.replace(/^Bearer /, ''));
    if (token === undefined) return 'ERR_TOKEN_INVALID';
    const session = sessions.get(token.sid) as FakeSession;
    if (session.revoked) return 'ERR_TOKEN_REVOKED';
    if (options.clock.now() >= token.exp) return 'ERR_TOKEN_EXPIRED';
    return session;
  }

  async function handle(request: Request, body: string): Promise<Response> {
    const url = new URL(request.url);
    if (url.origin !== BASE) return json(200, { from: url.origin });
    const path = url.pathname;
    if (request.method === 'POST' && path === '/auth/register') {
      const { username } = JSON.parse(body) as { username: string };
      return json(201, { id: 'user-1', username, role: 'user', createdAt: new Date(0).toISOString() });
    }
    if (request.method === 'POST' && path === '/auth/login') {
      const input = JSON.parse(body) as { password: string; device?: string; cookie?: boolean };
      if (input.password !== 'correct horse') return error(401, 'ERR_INVALID_CREDENTIALS');
      counter += 1;
      const session: FakeSession = { id: `s${counter}`, device: input.device ?? null, generation: 0, revoked: false };
      sessions.set(session.id, session);
      const tokensOut = mint(session);
      if (input.cookie === true) {
        jar.set('rt', `${session.id}.0`);
        return json(200, tokensOut);
      }
      return json(200, { ...tokensOut, refreshToken: `${session.id}.0` });
    }
    if (request.method === 'POST' && path === '/auth/refresh') {
      const session = cookieSession();
      if (session === null) {
        jar.delete('rt');
        return error(401, jar.size === 0 ? 'ERR_SESSION_REVOKED' : 'ERR_REFRESH_TOKEN_INVALID');
      }
      return json(200, rotate(session));
    }
    let session = bearer(request);
    let renewed: Record<string, string> = {};
    if (session === 'ERR_TOKEN_EXPIRED' && options.silentRefresh === true) {
      const fromCookie = cookieSession();
      const token = tokens.get((request.headers.get('authorization') ?? '').replace(/^Bearer /, ''));
      if (fromCookie !== null && fromCookie.id === token?.sid) {
        const next = rotate(fromCookie);
        renewed = { 'x-access-token': next.accessToken, 'x-refresh-after': String(next.refreshAfter) };
        session = fromCookie;
      }
    }
    if (typeof session === 'string') {
      return json(401, { error: { code: session, message: session } }, { 'www-authenticate': 'Bearer' });
    }
    const current = session;
    if (request.method === 'GET' && path === '/auth/me') {
      return json(
        200,
        {
          user: { id: 'user-1', username: 'alice', role: 'user', createdAt: new Date(0).toISOString() },
          sessionId: current.id,
          claims: {},
        },
        renewed,
      );
    }
    if (request.method === 'GET' && path === '/auth/sessions') {
      const list = [...sessions.values()]
        .filter((s) => !s.revoked)
        .map((s) => ({
          id: s.id,
          device: s.device,
          ip: '192.0.2.1',
          userAgent: 'test',
          createdAt: '',
          lastUsedAt: '',
          expiresAt: '',
          current: s.id === current.id,
        }));
      return json(200, { sessions: list }, renewed);
    }
    if (request.method === 'POST' && path === '/auth/logout') {
      const { scope } = JSON.parse(body) as { scope: string };
      let revoked = 0;
      for (const s of sessions.values()) {
        const hit = scope === 'all' || (scope === 'current' ? s.id === current.id : s.id !== current.id);
        if (hit && !s.revoked) {
          s.revoked = true;
          revoked += 1;
        }
      }
      if (scope !== 'others') jar.delete('rt');
      return json(200, { revoked });
    }
    const kick = /^\/auth\/sessions\/([^/]+)$/.exec(path);
    if (request.method === 'DELETE' && kick !== null) {
      const target = sessions.get(kick[1] as string);
      if (target === undefined || target.revoked) return error(404, 'ERR_SESSION_NOT_FOUND');
      target.revoked = true;
      if (target.id === current.id) jar.delete('rt');
      return new Response(null, { status: 204 });
    }
    if (path === '/api/data') return json(200, { ok: true, sid: current.id }, renewed);
    return error(404, 'ERR_NOT_FOUND');
  }

  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const body = await request.clone().text();
    calls.push({
      method: request.method,
      path: new URL(request.url).pathname,
      origin: new URL(request.url).origin,
      authorization: request.headers.get('authorization'),
      csrf: request.headers.get('x-jwtgate-csrf'),
      credentials: request.credentials,
      body,
    });
    // A network hop: other work interleaves, as with a real server.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (hold !== null) await hold;
    if (failure !== null) {
      const failing = failure;
      failure = null;
      if (failing === 'network') throw new TypeError('fetch failed');
      return error(failing, 'ERR_STORE_UNAVAILABLE');
    }
    return handle(request, body);
  };

  return {
    base: BASE,
    fetch: fetchImpl as typeof fetch,
    calls,
    jar,
    sessions,
    /** Refresh requests that reached the server. */
    refreshes: () => calls.filter((call) => call.path === '/auth/refresh').length,
    /** The next request fails: a network error or this status. */
    failNext(kind: 'network' | number) {
      failure = kind;
    },
    /** Holds every request until the returned function is called. */
    pause(): () => void {
      let release = () => {};
      hold = new Promise<void>((resolve) => {
        release = () => {
          hold = null;
          resolve();
        };
      });
      return release;
    },
    /** Every access token issued so far has expired, as far as the server knows. */
    expireAccessTokens() {
      for (const token of tokens.values()) token.exp = 0;
    },
    revokeAll() {
      for (const s of sessions.values()) s.revoked = true;
    },
  };
}
