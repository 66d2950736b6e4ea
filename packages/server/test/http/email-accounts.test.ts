import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, startTestServer, type TestServer } from '../support/test-server.js';

const password = 'correct horse battery staple';

describe('email addresses on accounts', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('registers with a username and an email, and shows the address as given, unverified', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/auth/register',
      body: { username: 'ada', email: '  Ada.Lovelace@Example.ORG ', password },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ username: 'ada', email: 'Ada.Lovelace@Example.ORG', emailVerified: false });
  });

  it('registers with an email only and generates a username', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/auth/register',
      body: { email: 'only@example.com', password },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().username).toMatch(/^u-[0-9a-f]{16}$/);
  });

  it('refuses a second account whose address differs only in case, spaces or Unicode form', async () => {
    await t.request({ method: 'POST', url: '/auth/register', body: { email: 'Zo\u00eb@example.com', password } });
    for (const email of ['zo\u00eb@EXAMPLE.com', ' ZOE\u0308@example.com']) {
      const res = await t.request({ method: 'POST', url: '/auth/register', body: { email, password } });
      expect(res.statusCode, email).toBe(409);
      expect(res.json().error.code).toBe('ERR_EMAIL_TAKEN');
    }
  });

  it('refuses an address that is not one plain address, and a body with neither name nor address', async () => {
    const bad = await t.request({
      method: 'POST',
      url: '/auth/register',
      body: { email: 'a b@example.com', password },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('ERR_INVALID_EMAIL');
    const none = await t.request({ method: 'POST', url: '/auth/register', body: { password } });
    expect(none.statusCode).toBe(400);
    expect(none.json().error.code).toBe('ERR_VALIDATION');
  });

  it('logs in by email in any case, the same as by username, with email claims in the token', async () => {
    const byEmail = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { email: 'ada.lovelace@example.org', password },
    });
    expect(byEmail.statusCode).toBe(200);
    const claims = decodeJwt(byEmail.json().accessToken).payload;
    expect(claims).toMatchObject({ email: 'Ada.Lovelace@Example.ORG', email_verified: false });
    const byName = await t.request({ method: 'POST', url: '/auth/login', body: { username: 'ADA', password } });
    expect(decodeJwt(byName.json().accessToken).payload.sub).toBe(claims.sub);
  });

  it('answers a wrong password by email exactly as an unknown address', async () => {
    const wrong = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { email: 'ada.lovelace@example.org', password: 'not the password' },
    });
    const unknown = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { email: 'nobody@example.org', password: 'not the password' },
    });
    const invalid = await t.request({ method: 'POST', url: '/auth/login', body: { email: 'no address', password } });
    for (const res of [wrong, unknown, invalid]) {
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('ERR_INVALID_CREDENTIALS');
    }
  });

  it('refuses a login naming both a username and an email', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: 'ada', email: 'ada.lovelace@example.org', password },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('ERR_VALIDATION');
  });

  it('keeps tokens of users without an address free of email claims', async () => {
    const { accessToken } = await t.signUp();
    const claims = decodeJwt(accessToken).payload;
    expect(claims).not.toHaveProperty('email');
    expect(claims).not.toHaveProperty('email_verified');
  });
});

describe('Auth.RequireEmail, Auth.RequireVerifiedEmail and Auth.EmailClaims', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: {
        JWTGATE_AUTH_REQUIRE_EMAIL: 'true',
        JWTGATE_AUTH_REQUIRE_VERIFIED_EMAIL: 'true',
        JWTGATE_AUTH_EMAIL_CLAIMS: 'false',
      },
    });
  });
  afterAll(() => t.close());

  it('refuses a registration without an address', async () => {
    const res = await t.request({ method: 'POST', url: '/auth/register', body: { username: 'noaddr', password } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('ERR_EMAIL_REQUIRED');
  });

  it('answers an unverified account 403 only after a right password, then lets it in once verified', async () => {
    const reg = await t.request({
      method: 'POST',
      url: '/auth/register',
      body: { email: 'late@example.com', password },
    });
    expect(reg.statusCode).toBe(201);
    const wrong = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { email: 'late@example.com', password: 'wrong password' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('ERR_INVALID_CREDENTIALS');
    const right = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { email: 'late@example.com', password },
    });
    expect(right.statusCode).toBe(403);
    expect(right.json().error.code).toBe('ERR_EMAIL_NOT_VERIFIED');
    expect(right.json()).not.toHaveProperty('accessToken');
    expect(right.headers['set-cookie']).toBeUndefined();
    expect(await t.server.sessions.list(reg.json().id)).toHaveLength(0);

    await t.server.users.update(reg.json().id, { emailVerifiedAt: t.clock.now(), updatedAt: t.clock.now() });
    const after = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { email: 'late@example.com', password },
    });
    expect(after.statusCode).toBe(200);
    expect(decodeJwt(after.json().accessToken).payload).not.toHaveProperty('email');
  });
});
