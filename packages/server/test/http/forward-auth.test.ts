import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHmacJwt, withPayload } from '../support/sign-token.js';
import {
  decodeJwt,
  loadTestConfig,
  startTestServer,
  TEST_ACCESS_SECRET,
  type TestServer,
} from '../support/test-server.js';

describe('forward authentication (GET /auth/verify)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  const verify = (authorization?: string, extra: Record<string, string> = {}) =>
    t.server.app.inject({
      method: 'GET',
      url: '/auth/verify',
      headers: { ...(authorization === undefined ? {} : { authorization }), ...extra },
    });

  it('answers 200 with the identity in headers and no body for a valid token', async () => {
    const { accessToken, userId } = await t.signUp();
    const { sid } = decodeJwt(accessToken).payload as { sid: string };
    const res = await verify(`Bearer ${accessToken}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(res.headers['x-auth-user-id']).toBe(userId);
    expect(res.headers['x-auth-session-id']).toBe(sid);
    expect(res.headers['x-auth-role']).toBe('user');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('accepts the bare token go-zero clients send, and HEAD as well as GET', async () => {
    const { accessToken, userId } = await t.signUp();
    expect((await verify(accessToken)).headers['x-auth-user-id']).toBe(userId);
    const head = await t.server.app.inject({
      method: 'HEAD',
      url: '/auth/verify',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(head.statusCode).toBe(200);
    expect(head.headers['x-auth-user-id']).toBe(userId);
  });

  it('answers from the token alone: the forwarded method, URI and query do not change it', async () => {
    const { accessToken, userId } = await t.signUp();
    const res = await t.server.app.inject({
      method: 'GET',
      url: '/auth/verify?rd=https://evil.example/',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'x-forwarded-method': 'DELETE',
        'x-forwarded-uri': '/admin/users',
        'x-original-uri': '/anything',
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-auth-user-id']).toBe(userId);
  });

  it('skips the hooks meant for browsers and the audit trail, which the rest of the API keeps', async () => {
    const { accessToken } = await t.signUp();
    const res = await verify(`Bearer ${accessToken}`, { origin: 'https://elsewhere.example' });
    expect(res.headers['x-request-id']).toBeUndefined();
    expect(res.headers.vary).toBeUndefined();
    const other = await t.request({ method: 'GET', url: '/healthz' });
    expect(other.headers['x-request-id']).toBeDefined();
    expect(other.headers['x-content-type-options']).toBe('nosniff');
    // A path that only starts like it is an ordinary 404 with the common headers.
    const lookalike = await t.request({ method: 'GET', url: '/auth/verify-email' });
    expect(lookalike.statusCode).toBe(404);
    expect(lookalike.headers['x-request-id']).toBeDefined();
  });

  it('answers 401 with a bare challenge when no token is presented', async () => {
    for (const authorization of [undefined, 'Basic dXNlcjpwYXNz']) {
      const res = await verify(authorization);
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="jwtgate"');
      expect(res.json().error.code).toBe('ERR_TOKEN_MISSING');
      expect(res.headers['x-auth-user-id']).toBeUndefined();
    }
  });

  it('refuses forged, altered and foreign tokens with invalid_token', async () => {
    const { accessToken } = await t.signUp();
    const claims = decodeJwt(accessToken).payload;
    const forged = [
      withPayload(accessToken, { ...claims, role: 'admin' }),
      signHmacJwt({ alg: 'HS256', typ: 'at+jwt' }, claims, 'another-secret-0123456789abcdefghijkl'),
      signHmacJwt({ alg: 'none', typ: 'at+jwt' }, claims, TEST_ACCESS_SECRET),
      signHmacJwt({ alg: 'HS256', typ: 'JWT' }, claims, TEST_ACCESS_SECRET),
      `${accessToken}x`,
      'not-a-jwt',
    ];
    for (const token of forged) {
      const res = await verify(`Bearer ${token}`);
      expect(res.statusCode, token).toBe(401);
      expect(res.json().error.code).toBe('ERR_TOKEN_INVALID');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="jwtgate", error="invalid_token"/);
      expect(res.headers['x-auth-user-id']).toBeUndefined();
    }
  });

  it('refuses an expired token', async () => {
    const { accessToken } = await t.signUp();
    const start = t.clock.now();
    try {
      t.clock.advance((900 + 6) * 1000);
      const res = await verify(`Bearer ${accessToken}`);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('ERR_TOKEN_EXPIRED');
    } finally {
      t.clock.set(start);
    }
  });

  it('refuses a token the moment its session is logged out', async () => {
    const { accessToken } = await t.signUp();
    expect((await verify(`Bearer ${accessToken}`)).statusCode).toBe(200);
    const logout = await t.request({ method: 'POST', url: '/auth/logout', token: accessToken, body: {} });
    expect(logout.statusCode).toBe(200);
    const res = await verify(`Bearer ${accessToken}`);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_TOKEN_REVOKED');
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });
});

describe('forward authentication with header names of your own', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: {
        JWTGATE_GATEWAY_USER_ID_HEADER: 'X-User',
        JWTGATE_GATEWAY_SESSION_ID_HEADER: 'X-Session',
        JWTGATE_GATEWAY_ROLE_HEADER: 'X-Role',
      },
    });
  });
  afterAll(() => t.close());

  it('names the identity with the configured headers only', async () => {
    const { accessToken, userId } = await t.signUp();
    const res = await t.server.app.inject({
      method: 'GET',
      url: '/auth/verify',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(res.headers['x-user']).toBe(userId);
    expect(res.headers['x-session']).toBe(decodeJwt(accessToken).payload.sid);
    expect(res.headers['x-role']).toBe('user');
    expect(res.headers['x-auth-user-id']).toBeUndefined();
  });

  it('refuses two settings naming one header, and standard headers, at start-up', () => {
    expect(() =>
      loadTestConfig({ JWTGATE_GATEWAY_USER_ID_HEADER: 'X-Who', JWTGATE_GATEWAY_ROLE_HEADER: 'x-who' }),
    ).toThrow(/Gateway.RoleHeader: x-who is also Gateway.UserIdHeader/);
    expect(() => loadTestConfig({ JWTGATE_GATEWAY_ROLE_HEADER: 'Set-Cookie' })).toThrow(
      /Gateway.RoleHeader: set-cookie is a standard header/,
    );
    expect(() => loadTestConfig({ JWTGATE_GATEWAY_ROLE_HEADER: 'X Role' })).toThrow(/Gateway.RoleHeader/);
  });
});

describe('forward authentication passes the extra claims (Auth.Claims) as headers', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: {
        JWTGATE_AUTH_CLAIMS: 'userId=id,name=username',
        JWTGATE_GATEWAY_CLAIM_HEADERS: 'name=X-User-Name,plan=X-Plan',
      },
      customClaims: () => ({ plan: { tier: 'pro', seats: 3 } }),
    });
  });
  afterAll(() => t.close());

  it('under X-Auth-Claim-<name> by default or the configured name, percent-encoded', async () => {
    const { accessToken, userId } = await t.signUp({ username: 'zoë-ünïcode' });
    const res = await t.server.app.inject({
      method: 'GET',
      url: '/auth/verify',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-auth-claim-userid']).toBe(userId);
    expect(res.headers['x-user-name']).toBe(encodeURIComponent(decodeJwt(accessToken).payload.name as string));
    expect(decodeURIComponent(res.headers['x-user-name'] as string)).toBe(decodeJwt(accessToken).payload.name);
    expect(JSON.parse(decodeURIComponent(res.headers['x-plan'] as string))).toEqual({ tier: 'pro', seats: 3 });
  });

  it('refuses a claim header that collides, or one for a claim jwtgate sets itself', () => {
    expect(() =>
      loadTestConfig({ JWTGATE_AUTH_CLAIMS: 'userId=id', JWTGATE_GATEWAY_CLAIM_HEADERS: 'userId=X-Auth-Role' }),
    ).toThrow(/Gateway.ClaimHeaders.userId: x-auth-role is also Gateway.RoleHeader/);
    expect(() => loadTestConfig({ JWTGATE_GATEWAY_CLAIM_HEADERS: 'sub=X-Sub' })).toThrow(
      /Gateway.ClaimHeaders.sub: sub is a claim jwtgate sets itself/,
    );
    expect(() => loadTestConfig({ JWTGATE_GATEWAY_CLAIM_HEADERS: 'plan=X_Plan' })).toThrow(
      /Gateway.ClaimHeaders.plan: expected 1-64 characters/,
    );
  });
});
