import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createJwtgateServer } from '../../src/runtime/create-server.js';
import { signHmacJwt, withPayload } from '../support/sign-token.js';
import { makeTempDir } from '../support/temp-dir.js';
import { decodeJwt, startTestServer, TEST_ACCESS_SECRET, type TestServer } from '../support/test-server.js';

describe('the route guard refuses every forged or unusable token with 401, never 500', () => {
  let t: TestServer;
  let accessToken: string;
  let refreshToken: string;
  let claims: Record<string, unknown>;
  let header: Record<string, unknown>;
  beforeAll(async () => {
    t = await startTestServer();
    ({ accessToken, refreshToken } = await t.signUp());
    ({ payload: claims, header } = decodeJwt(accessToken));
  });
  afterAll(() => t.close());

  async function expectRefused(token: string, code = 'ERR_TOKEN_INVALID') {
    const res = await t.request({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe(code);
    expect(res.headers['www-authenticate']).toMatch(
      /^Bearer realm="jwtgate", error="invalid_token", error_description="[^"]+"$/,
    );
    if (token.length > 10) expect(res.body).not.toContain(token);
  }

  it('accepts the genuine token', async () => {
    const res = await t.request({ method: 'GET', url: '/auth/me', token: accessToken });
    expect(res.statusCode).toBe(200);
  });

  it('refuses a token whose payload was edited to claim admin', async () => {
    await expectRefused(withPayload(accessToken, { ...claims, role: 'admin' }));
  });

  it('refuses alg none in any spelling, with or without a signature', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${Buffer.from(JSON.stringify({ ...header, alg })).toString('base64url')}.${accessToken.split('.')[1]}.`;
      await expectRefused(unsigned);
      await expectRefused(`${unsigned}${accessToken.split('.')[2]}`);
    }
  });

  it('refuses a token signed with another secret', async () => {
    await expectRefused(signHmacJwt(header, claims, 'another-secret-that-is-long-enough-000000'));
  });

  it('refuses a token that names a stronger HMAC than its key is bound to', async () => {
    await expectRefused(signHmacJwt({ ...header, alg: 'HS512' }, claims, TEST_ACCESS_SECRET, 'sha512'));
  });

  it('refuses a correctly signed token with the wrong issuer or audience', async () => {
    await expectRefused(signHmacJwt(header, { ...claims, iss: 'https://evil.example' }, TEST_ACCESS_SECRET));
    await expectRefused(signHmacJwt(header, { ...claims, aud: 'another-api' }, TEST_ACCESS_SECRET));
    await expectRefused(signHmacJwt(header, { ...claims, aud: undefined }, TEST_ACCESS_SECRET));
  });

  it('refuses a correctly signed token without exp, sid or typ at+jwt', async () => {
    await expectRefused(signHmacJwt(header, { ...claims, exp: undefined }, TEST_ACCESS_SECRET));
    await expectRefused(signHmacJwt(header, { ...claims, sid: undefined }, TEST_ACCESS_SECRET));
    await expectRefused(signHmacJwt({ ...header, typ: 'JWT' }, claims, TEST_ACCESS_SECRET));
  });

  it('refuses headers that carry or point at keys, or demand extensions', async () => {
    for (const extra of [
      { jwk: { kty: 'oct', k: 'AAAA' } },
      { jku: 'https://evil.example/jwks.json' },
      { x5u: 'https://evil.example/cert.pem' },
      { x5c: ['MIIB'] },
      { crit: ['exp'] },
    ]) {
      await expectRefused(signHmacJwt({ ...header, ...extra }, claims, TEST_ACCESS_SECRET));
    }
  });

  it('refuses kid values that are unknown, paths or injection strings', async () => {
    for (const kid of ['nope', '../../../../etc/passwd', "' OR '1'='1", 'x'.repeat(5000), 42, null]) {
      await expectRefused(signHmacJwt({ ...header, kid }, claims, TEST_ACCESS_SECRET));
    }
  });

  it('refuses malformed tokens of every shape', async () => {
    const [h, p, s] = accessToken.split('.') as [string, string, string];
    for (const token of [
      'a',
      'a.b',
      'a.b.c',
      `${h}.${p}`,
      `${h}.${p}.${s}.extra`,
      `${h}..${s}`,
      `.${p}.${s}`,
      `${h}.${p}.`,
      `${h}.${p}.${s}!`,
      `${h}.${p}==.${s}`,
      `${Buffer.from('[]').toString('base64url')}.${p}.${s}`,
      `${Buffer.from('not json').toString('base64url')}.${p}.${s}`,
      `${h}.${Buffer.from('null').toString('base64url')}.${s}`,
      'x'.repeat(10_000),
    ]) {
      await expectRefused(token);
    }
  });

  it('refuses a refresh token presented as an access token, and the reverse', async () => {
    await expectRefused(refreshToken);
    const res = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken: accessToken } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_REFRESH_TOKEN_INVALID');
  });

  it('refuses an expired token with ERR_TOKEN_EXPIRED, tolerating the configured clock leeway', async () => {
    const { accessToken: token } = await t.signUp();
    const start = t.clock.now();
    try {
      t.clock.advance((900 + 4) * 1000);
      expect((await t.request({ method: 'GET', url: '/auth/me', token })).statusCode).toBe(200);
      t.clock.advance(2 * 1000);
      await expectRefused(token, 'ERR_TOKEN_EXPIRED');
    } finally {
      t.clock.set(start);
    }
  });

  it('answers a missing token with a bare challenge, as RFC 6750 §3.1 asks', async () => {
    for (const authorization of [undefined, '', 'Basic dXNlcjpwYXNz']) {
      const res = await t.request({
        method: 'GET',
        url: '/auth/me',
        ...(authorization === undefined ? {} : { headers: { authorization } }),
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('ERR_TOKEN_MISSING');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="jwtgate"');
    }
  });

  it('refuses an empty or split bearer credential as invalid', async () => {
    await expectRefused('');
    const res = await t.request({ method: 'GET', url: '/auth/me', headers: { authorization: 'Bearer a b c' } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_TOKEN_INVALID');
  });
});

describe('a service whose Name is not plain ASCII', () => {
  it('still answers a refused token with 401 and its challenge, never 500', async () => {
    const t = await startTestServer({ env: { JWTGATE_NAME: 'Zahlungsdienst €' } });
    try {
      for (const authorization of [undefined, 'Bearer not-a-token']) {
        const res = await t.request({
          method: 'GET',
          url: '/auth/me',
          ...(authorization === undefined ? {} : { headers: { authorization } }),
        });
        expect(res.statusCode, res.body).toBe(401);
        expect(res.json().error.code).toMatch(/^ERR_TOKEN_(MISSING|INVALID)$/);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Zahlungsdienst "/);
      }
    } finally {
      await t.close();
    }
  });
});

describe('logs', () => {
  it('never contain a token, a password or an Authorization header, even at trace level', async () => {
    const dir = makeTempDir();
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const config = loadConfig({
      env: {
        JWTGATE_AUTH_ACCESS_SECRET: TEST_ACCESS_SECRET,
        JWTGATE_AUTH_REFRESH_SECRET: 'test-refresh-secret-for-the-log-test-000000',
        JWTGATE_DATA_DIR: dir.path,
      },
      cwd: dir.path,
    });
    const server = await createJwtgateServer({ config, logger: { level: 'trace', stream }, devModeBanner: false });
    try {
      const password = 'a very secret passphrase';
      const json = { 'content-type': 'application/json' };
      await server.app.inject({
        method: 'POST',
        url: '/auth/register',
        headers: json,
        payload: { username: 'logcheck', password },
      });
      const login = await server.app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: json,
        payload: { username: 'logcheck', password },
      });
      const { accessToken, refreshToken } = login.json();
      await server.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${accessToken}` } });
      await server.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${accessToken}x` } });
      // RFC 6750 §2.3 lets clients put the token in the query; jwtgate refuses that, but must not log it either.
      await server.app.inject({ method: 'GET', url: `/auth/me?access_token=${accessToken}` });
      await server.app.inject({ method: 'POST', url: `/auth/refresh?refresh_token=${refreshToken}`, headers: json });
      const refreshed = await server.app.inject({
        method: 'POST',
        url: '/auth/refresh',
        headers: json,
        payload: { refreshToken },
      });
      await server.app.inject({
        method: 'POST',
        url: '/auth/refresh',
        headers: json,
        payload: { refreshToken: `${refreshToken}x` },
      });
      await server.app.inject({
        method: 'POST',
        url: '/auth/logout',
        headers: { authorization: `Bearer ${refreshed.json().accessToken}` },
      });
      const all = lines.join('');
      expect(lines.length).toBeGreaterThan(10);
      for (const secret of [
        password,
        accessToken,
        refreshToken,
        refreshed.json().refreshToken,
        refreshed.json().accessToken,
        TEST_ACCESS_SECRET,
      ]) {
        expect(all).not.toContain(secret);
      }
      expect(all).not.toContain(accessToken.split('.')[2]);
      // The request is still logged, its query string masked.
      expect(all).toContain('"url":"/auth/me?[redacted]"');
      expect(all.toLowerCase()).not.toContain('"authorization"');
    } finally {
      await server.close();
      dir.remove();
    }
  });
});
