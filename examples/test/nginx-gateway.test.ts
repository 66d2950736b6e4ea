import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signHmacJwt } from '../../packages/server/test/support/sign-token.js';
import { type ServerProcess, startServerProcess } from '../../packages/server/test/support/spawn-server.js';
import { makeTempDir } from '../../packages/server/test/support/temp-dir.js';
import { createUpstream, type UpstreamAnswer } from '../nginx/upstream.js';
import { describeWithNginx, type NginxProcess, startNginx } from './support/nginx-process.js';

const ACCESS_SECRET = 'nginx-example-access-secret-0123456789abcd';
const REFRESH_SECRET = 'nginx-example-refresh-secret-0123456789abc';
const PASSWORD = 'correct horse battery staple';
/**
 * `proxy_cache_valid 200 5s` in the example, and the second NGINX may add (it
 * counts cache validity in whole seconds): the documented revocation bound at
 * the gateway when jwtgate is one instance.
 */
const BOUND_MS = 5_000 + 1_000;

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')),
  };
}

describeWithNginx()('NGINX with auth_request to jwtgate, in front of a service (examples/nginx)', () => {
  const dir = makeTempDir('jwtgate-nginx-example-');
  let jwtgate: ServerProcess;
  let upstream: Server;
  let nginx: NginxProcess;
  let hits = 0;

  beforeAll(async () => {
    jwtgate = await startServerProcess({
      cwd: dir.path,
      env: { JWTGATE_AUTH_ACCESS_SECRET: ACCESS_SECRET, JWTGATE_AUTH_REFRESH_SECRET: REFRESH_SECRET },
    });
    upstream = createUpstream();
    upstream.on('request', () => {
      hits += 1;
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    nginx = await startNginx({
      jwtgate: new URL(jwtgate.url).host,
      upstream: `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    });
  });
  afterAll(async () => {
    await nginx?.stop();
    await new Promise((resolve) => upstream?.close(resolve));
    await jwtgate?.stop();
    dir.remove();
  });

  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${jwtgate.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });

  let users = 0;
  async function logIn(): Promise<string> {
    users += 1;
    const username = `nginx-user-${users}`;
    expect((await post('/auth/register', { username, password: PASSWORD })).status).toBe(201);
    const login = await post('/auth/login', { username, password: PASSWORD });
    return ((await login.json()) as { accessToken: string }).accessToken;
  }

  const through = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${nginx.url}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    return { status: res.status, challenge: res.headers.get('www-authenticate'), text };
  };

  it('lets a valid token through, the identity in headers NGINX sets and the token kept from the service', async () => {
    const token = await logIn();
    const { payload } = decode(token);
    const res = await through('/orders/42', { authorization: `Bearer ${token}` });
    expect(res.status, nginx.errors()).toBe(200);
    const answer = JSON.parse(res.text) as UpstreamAnswer;
    expect(answer).toEqual({
      path: '/orders/42',
      userId: payload.sub,
      sessionId: payload.sid,
      role: 'user',
      sawAuthorization: false,
    });
  });

  it('replaces identity headers a client sends itself', async () => {
    const token = await logIn();
    const res = await through('/orders', {
      authorization: `Bearer ${token}`,
      'x-auth-user-id': 'someone-else',
      'x-auth-role': 'admin',
    });
    const answer = JSON.parse(res.text) as UpstreamAnswer;
    expect(answer.userId).toBe(decode(token).payload.sub);
    expect(answer.role).toBe('user');
  });

  it('stops requests without a token, and forged, expired and revoked tokens, before the service', async () => {
    const token = await logIn();
    const { header, payload } = decode(token);
    const past = Math.floor(Date.now() / 1000) - 3600;
    const revoked = await logIn();
    expect((await post('/auth/logout', {}, revoked)).status).toBe(200);
    const cases: [string, Record<string, string>, RegExp][] = [
      ['none', {}, /^Bearer realm="jwtgate"$/],
      [
        'forged',
        {
          authorization: `Bearer ${signHmacJwt(header, { ...payload, role: 'admin' }, 'not-the-secret-0123456789abcdefghijklm')}`,
        },
        /invalid_token/,
      ],
      [
        'expired',
        { authorization: `Bearer ${signHmacJwt(header, { ...payload, iat: past - 900, exp: past }, ACCESS_SECRET)}` },
        /invalid_token/,
      ],
      ['revoked', { authorization: `Bearer ${revoked}` }, /invalid_token/],
      ['spoofed headers only', { 'x-auth-user-id': payload.sub as string }, /^Bearer realm="jwtgate"$/],
    ];
    const before = hits;
    for (const [name, headers, challenge] of cases) {
      const res = await through('/orders', headers);
      expect(res.status, name).toBe(401);
      expect(res.challenge, name).toMatch(challenge);
    }
    expect(hits).toBe(before);
    // The open location needs no token.
    expect((await through('/public/status')).status).toBe(200);
  });

  it('enforces a logout at NGINX within the documented bound (the 5 s cache of verify answers, plus 1 s)', async () => {
    const token = await logIn();
    const authorization = `Bearer ${token}`;
    expect((await through('/orders', { authorization })).status).toBe(200);
    expect((await post('/auth/logout', {}, token)).status).toBe(200);
    const loggedOutAt = performance.now();
    let res = await through('/orders', { authorization });
    while (res.status === 200 && performance.now() - loggedOutAt < BOUND_MS + 3_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      res = await through('/orders', { authorization });
    }
    const elapsed = performance.now() - loggedOutAt;
    expect(res.status).toBe(401);
    expect(res.challenge).toMatch(/invalid_token/);
    // The bound, plus one retry interval and a margin for a loaded machine.
    expect(elapsed).toBeLessThan(BOUND_MS + 1_000);
  });
});
