import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRevocationNotices, revocationChannel, revokedSessionsKey } from '@jwtgate/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithService, serviceUrl, uniqueName } from '../../packages/server/test/support/services.js';
import { runCli, type ServerProcess, startServerProcess } from '../../packages/server/test/support/spawn-server.js';
import { makeTempDir } from '../../packages/server/test/support/temp-dir.js';
import { type Framework, type SearchApiProcess, startSearchApi } from './support/search-api-process.js';

const ACCESS_SECRET = 'examples-shared-access-secret-0123456789ab';
const REFRESH_SECRET = 'examples-refresh-secret-0123456789abcdefgh';
const PASSWORD = 'correct horse battery staple';
const FRAMEWORKS: readonly Framework[] = ['fastify', 'express', 'hono'];

/** What a client does: register, log in, and keep the access token. */
async function logIn(server: ServerProcess, username: string): Promise<string> {
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  expect((await post('/auth/register', { username, password: PASSWORD })).status).toBe(201);
  const login = await post('/auth/login', { username, password: PASSWORD });
  expect(login.status).toBe(200);
  return ((await login.json()) as { accessToken: string }).accessToken;
}

/** What the search-api answers: the search, or a coded error. */
interface SearchReply {
  readonly name?: string;
  readonly userId?: string;
  readonly claims?: Record<string, unknown>;
  readonly error?: { readonly code: string; readonly message: string };
}

async function search(api: SearchApiProcess, authorization?: string) {
  const res = await fetch(`${api.url}/search/do?name=go`, {
    headers: authorization === undefined ? {} : { authorization },
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: res.status,
    challenge: res.headers.get('www-authenticate'),
    body: (await res.json()) as SearchReply,
  };
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

describe('the two-service setup: jwtgate issues tokens, a search-api verifies them', () => {
  const dir = makeTempDir('jwtgate-examples-');
  const serverEnv = { JWTGATE_AUTH_REFRESH_SECRET: REFRESH_SECRET, JWTGATE_AUTH_AUDIENCE: 'jwtgate,search-api' };
  const apiEnv = { JWTGATE_AUDIENCE: 'search-api' };
  let withSecret: ServerProcess;
  let withKeyPair: ServerProcess;

  beforeAll(async () => {
    const secretDir = join(dir.path, 'secret');
    const keyDir = join(dir.path, 'key-pair');
    mkdirSync(secretDir);
    mkdirSync(keyDir);
    const generated = await runCli(['keys', 'generate', '--file', 'keys.json', '--alg', 'ES256'], {
      cwd: keyDir,
      env: serverEnv,
    });
    expect(generated.code, generated.stderr).toBe(0);
    [withSecret, withKeyPair] = await Promise.all([
      startServerProcess({ cwd: secretDir, env: { ...serverEnv, JWTGATE_AUTH_ACCESS_SECRET: ACCESS_SECRET } }),
      startServerProcess({ cwd: keyDir, env: { ...serverEnv, JWTGATE_AUTH_KEY_FILE: 'keys.json' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([withSecret?.stop(), withKeyPair?.stop()]);
    dir.remove();
  });

  describe.each(FRAMEWORKS)('the %s search-api', (framework) => {
    it('with the shared secret: 200 and the claims for a logged-in user, 401 without or with a bad token', async () => {
      const api = await startSearchApi(framework, { ...apiEnv, ACCESS_SECRET });
      try {
        const token = await logIn(withSecret, uniqueName(`${framework}_hs`));
        const ok = await search(api, `Bearer ${token}`);
        expect(ok.status, api.output()).toBe(200);
        expect(ok.body).toMatchObject({ name: 'go', userId: claimsOf(token).sub });
        expect(ok.body.claims).toMatchObject({ iss: 'jwtgate', aud: ['jwtgate', 'search-api'], role: 'user' });

        const missing = await search(api);
        expect(missing.status).toBe(401);
        expect(missing.challenge).toBe('Bearer');
        expect(missing.body).toEqual({ error: { code: 'ERR_TOKEN_MISSING', message: 'An access token is required' } });

        const [header, payload] = token.split('.');
        for (const bad of [`${header}.${payload}.forged`, `${token.slice(0, -4)}AAAA`, 'not-a-token']) {
          const refused = await search(api, `Bearer ${bad}`);
          expect(refused.status).toBe(401);
          expect(refused.challenge).toMatch(/^Bearer error="invalid_token"/);
          expect(refused.body.error?.code).toBe('ERR_TOKEN_INVALID');
        }
        expect((await fetch(`${api.url}/search/ping`)).status).toBe(200);
      } finally {
        await api.stop();
      }
    });

    it("with the JWKS of the server's ES256 key pair: no secret shared at all", async () => {
      const api = await startSearchApi(framework, { ...apiEnv, JWKS_URL: `${withKeyPair.url}/.well-known/jwks.json` });
      try {
        const token = await logIn(withKeyPair, uniqueName(`${framework}_es`));
        expect(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString())).toMatchObject({
          alg: 'ES256',
        });
        const ok = await search(api, `Bearer ${token}`);
        expect(ok.status, api.output()).toBe(200);
        expect(ok.body.userId).toBe(claimsOf(token).sub);

        expect((await search(api)).status).toBe(401);
        // A token of the other server, whose secret this search-api does not know.
        const stranger = await logIn(withSecret, uniqueName(`${framework}_x`));
        expect((await search(api, `Bearer ${stranger}`)).status).toBe(401);
      } finally {
        await api.stop();
      }
    });
  });
});

describeWithService('redis')('the fastify search-api following revocations through Redis', () => {
  it('refuses the token of a session once the server has published its revocation', async () => {
    const url = serviceUrl('redis') as string;
    const prefix = `${uniqueName('jwtgate_ex')}:`;
    const redis = new Redis(url);
    const dir = makeTempDir('jwtgate-examples-redis-');
    let server: ServerProcess | undefined;
    let api: SearchApiProcess | undefined;
    try {
      server = await startServerProcess({
        cwd: dir.path,
        env: { JWTGATE_AUTH_ACCESS_SECRET: ACCESS_SECRET, JWTGATE_AUTH_REFRESH_SECRET: REFRESH_SECRET },
      });
      api = await startSearchApi('fastify', { ACCESS_SECRET, REDIS_URL: url, REDIS_PREFIX: prefix });
      const token = await logIn(server, uniqueName('revoked'));
      expect((await search(api, `Bearer ${token}`)).status).toBe(200);
      // What the jwtgate server does on a logout when it runs with Redis.
      const sid = claimsOf(token).sid as string;
      const at = Date.now();
      await redis.zadd(revokedSessionsKey(prefix), at, sid);
      for (const message of encodeRevocationNotices([
        { id: sid, userId: String(claimsOf(token).sub), revokedAt: at },
      ])) {
        await redis.publish(revocationChannel(prefix), message);
      }
      await expect
        .poll(async () => (await search(api as SearchApiProcess, `Bearer ${token}`)).body.error?.code, {
          timeout: 5_000,
        })
        .toBe('ERR_TOKEN_REVOKED');
    } finally {
      await api?.stop();
      await server?.stop();
      await redis.del(revokedSessionsKey(prefix));
      redis.disconnect();
      dir.remove();
    }
  });
});
