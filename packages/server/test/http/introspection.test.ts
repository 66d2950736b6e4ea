import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPayload } from '../support/sign-token.js';
import { decodeJwt, loadTestConfig, startTestServer, type TestServer } from '../support/test-server.js';

const ORDERS_SECRET = 'orders-secret-Xq8kP2vN7rT4wY1zL6mB3cF9hJ5dG0sA';
const ODD_SECRET = 'a:b+c%d e/f=g-0123456789abcdefghijklmnopqrstuv';
const sha256 = (secret: string) => `sha256:${createHash('sha256').update(secret).digest('hex')}`;
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('token introspection (POST /oauth/introspect, RFC 7662)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: { JWTGATE_GATEWAY_CLIENTS: `orders=${sha256(ORDERS_SECRET)},svc.odd=${sha256(ODD_SECRET)}` },
    });
  });
  afterAll(() => t.close());

  const introspect = (body: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
    t.server.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: body,
    });
  const asOrders = (token: string) =>
    introspect(form({ token, token_type_hint: 'access_token' }), { authorization: basic('orders', ORDERS_SECRET) });

  const expectInvalidClient = (res: LightMyRequestResponse) => {
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="jwtgate"');
    expect(res.json()).toEqual({
      error: 'invalid_client',
      error_description: 'Client authentication failed',
      code: 'ERR_INVALID_CLIENT',
    });
  };

  it('tells an authenticated client (client_secret_basic) that a valid token is active, with its claims', async () => {
    const { accessToken, userId } = await t.signUp();
    const res = await asOrders(accessToken);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toMatchObject({
      active: true,
      token_type: 'Bearer',
      client_id: 'orders',
      sub: userId,
      sid: decodeJwt(accessToken).payload.sid,
      role: 'user',
      iss: 'jwtgate',
      exp: decodeJwt(accessToken).payload.exp,
    });
  });

  it('accepts client_secret_post, and Basic credentials form-encoded as RFC 6749 §2.3.1 says', async () => {
    const { accessToken } = await t.signUp();
    const posted = await introspect(form({ token: accessToken, client_id: 'orders', client_secret: ORDERS_SECRET }));
    expect(posted.json()).toMatchObject({ active: true, client_id: 'orders' });
    const odd = await introspect(form({ token: accessToken }), { authorization: basic('svc.odd', ODD_SECRET) });
    expect(odd.json()).toMatchObject({ active: true, client_id: 'svc.odd' });
  });

  it('tells nothing about any token to a client that is not authenticated', async () => {
    const { accessToken } = await t.signUp();
    const body = form({ token: accessToken });
    expectInvalidClient(await introspect(body));
    expectInvalidClient(await introspect(body, { authorization: basic('orders', `${ORDERS_SECRET}x`) }));
    expectInvalidClient(await introspect(body, { authorization: basic('nobody', ORDERS_SECRET) }));
    expectInvalidClient(await introspect(body, { authorization: basic('orders', ODD_SECRET) }));
    expectInvalidClient(await introspect(body, { authorization: 'Basic !!!' }));
    expectInvalidClient(await introspect(body, { authorization: `Bearer ${accessToken}` }));
    expectInvalidClient(await introspect(form({ token: accessToken, client_id: 'orders' })));
    expectInvalidClient(await introspect(form({ token: accessToken, client_id: 'orders', client_secret: 'guess' })));
  });

  it('answers a bare {"active": false} for a revoked session at once, and for expired and forged tokens', async () => {
    const { accessToken, refreshToken } = await t.signUp();
    expect((await asOrders(accessToken)).json().active).toBe(true);
    const logout = await t.request({ method: 'POST', url: '/auth/logout', token: accessToken, body: {} });
    expect(logout.statusCode).toBe(200);
    expect((await asOrders(accessToken)).json()).toEqual({ active: false });

    const other = await t.signUp();
    const claims = decodeJwt(other.accessToken).payload;
    for (const token of [withPayload(other.accessToken, { ...claims, role: 'admin' }), refreshToken, 'x', '']) {
      const res = await asOrders(token);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ active: false });
    }
    const start = t.clock.now();
    try {
      t.clock.advance((900 + 6) * 1000);
      expect((await asOrders(other.accessToken)).json()).toEqual({ active: false });
    } finally {
      t.clock.set(start);
    }
  });

  it('refuses a request without a token, with a parameter twice, with credentials sent both ways', async () => {
    const { accessToken } = await t.signUp();
    const auth = { authorization: basic('orders', ORDERS_SECRET) };
    const missing = await introspect(form({ token_type_hint: 'access_token' }), auth);
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: 'invalid_request', code: 'ERR_VALIDATION' });
    const twice = await introspect(`token=${accessToken}&token=x`, auth);
    expect(twice.statusCode).toBe(400);
    expect(twice.json().error).toBe('invalid_request');
    const both = await introspect(
      form({ token: accessToken, client_id: 'orders', client_secret: ORDERS_SECRET }),
      auth,
    );
    expect(both.statusCode).toBe(400);
    expect(both.json().error).toBe('invalid_request');
    expect(both.json().active).toBeUndefined();
  });

  it('takes a form body only, and POST only', async () => {
    const text = await introspect('token=x', {
      'content-type': 'text/plain',
      authorization: basic('orders', ORDERS_SECRET),
    });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ error: 'invalid_request', code: 'ERR_UNSUPPORTED_MEDIA_TYPE' });
    const get = await t.server.app.inject({ method: 'GET', url: '/oauth/introspect' });
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
    // No other route takes a form: a page on another site could post one without a preflight.
    const login = await t.server.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=a&password=b',
    });
    expect(login.statusCode).toBe(415);
  });

  it('refuses a client secret written in clear in the configuration, without echoing it', () => {
    expect(() => loadTestConfig({ JWTGATE_GATEWAY_CLIENTS: `orders=${ORDERS_SECRET}` })).toThrow(
      /Gateway.Clients.orders: expected sha256:<64 hex digits>/,
    );
    try {
      loadTestConfig({ JWTGATE_GATEWAY_CLIENTS: `orders=${ORDERS_SECRET}` });
    } catch (error) {
      expect(String(error)).not.toContain(ORDERS_SECRET);
    }
  });
});

describe('authorization server metadata (RFC 8414)', () => {
  it('names the issuer, the keys, introspection and its client authentication', async () => {
    const t = await startTestServer({ env: { JWTGATE_GATEWAY_PUBLIC_URL: 'https://auth.example.com/' } });
    try {
      const res = await t.request({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=300');
      expect(res.json()).toEqual({
        issuer: 'jwtgate',
        jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
        introspection_endpoint: 'https://auth.example.com/oauth/introspect',
        introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        response_types_supported: [],
        access_token_signing_alg_values_supported: ['HS256'],
        jwtgate_forward_auth_endpoint: 'https://auth.example.com/auth/verify',
        jwtgate_revocation_feed_endpoint: 'https://auth.example.com/auth/revocations',
      });
    } finally {
      await t.close();
    }
  });

  it('takes its URLs from an issuer that is a URL, else from the request, uncached', async () => {
    const t = await startTestServer({ env: { JWTGATE_AUTH_ISSUER: 'https://id.example.org' } });
    try {
      const res = await t.request({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
      expect(res.json()).toMatchObject({
        issuer: 'https://id.example.org',
        jwks_uri: 'https://id.example.org/.well-known/jwks.json',
      });
    } finally {
      await t.close();
    }
    const plain = await startTestServer();
    try {
      const res = await plain.request({
        method: 'GET',
        url: '/.well-known/oauth-authorization-server',
        headers: { host: 'jwtgate.internal:8888' },
      });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.json().introspection_endpoint).toBe('http://jwtgate.internal:8888/oauth/introspect');
    } finally {
      await plain.close();
    }
  });
});
