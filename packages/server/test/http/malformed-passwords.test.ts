import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Three strings the hasher would see as one: a lone surrogate has no UTF-8 form and becomes U+FFFD.
const REPLACED = 'a long enough passphrase \ufffd\ufffd';
const LONE_HIGH = 'a long enough passphrase \ud800\ud800';
const REVERSED_PAIR = 'a long enough passphrase \udfff\udc00';

describe('passwords that are not well-formed Unicode', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { JWTGATE_LOGIN_MAX_FAILURES: '2', JWTGATE_LOGIN_FAILURE_WINDOW: '600' } });
  });
  afterAll(() => t.close());

  const post = (url: string, body: unknown, token?: string) =>
    t.request({ method: 'POST', url, body, ...(token === undefined ? {} : { token }) });

  function expectMalformed(res: { statusCode: number; json(): { error: { code: string } }; body: string }) {
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('ERR_MALFORMED_PASSWORD');
  }

  it('refuses them at registration, creating nobody', async () => {
    for (const password of [LONE_HIGH, REVERSED_PAIR, 'x\ud800yyyyyyyy', '\udc00passphrase']) {
      const username = `lone-${Math.random().toString(36).slice(2, 8)}`;
      expectMalformed(await post('/auth/register', { username, password }));
      expect((await post('/auth/register', { username, password: REPLACED })).statusCode).toBe(201);
    }
  });

  it('refuses them at login, so they never match the password they would collapse into, and counts no guess', async () => {
    const user = await t.signUp({ password: REPLACED });
    for (let i = 0; i < 4; i++) {
      for (const password of [LONE_HIGH, REVERSED_PAIR]) {
        expectMalformed(await post('/auth/login', { username: user.username, password }));
      }
    }
    // Eight refusals, two allowed failures: none of them was counted.
    expect((await post('/auth/login', { username: user.username, password: REPLACED })).statusCode).toBe(200);
    // The same answer for a name that has no account: it says nothing about accounts.
    expectMalformed(await post('/auth/login', { username: 'nobody-at-all', password: LONE_HIGH }));
  });

  it('refuses them as the current or the new password of a password change, changing nothing', async () => {
    const user = await t.signUp({ password: REPLACED });
    expectMalformed(
      await post(
        '/auth/password',
        { currentPassword: LONE_HIGH, newPassword: 'another fine passphrase' },
        user.accessToken,
      ),
    );
    expectMalformed(
      await post('/auth/password', { currentPassword: REPLACED, newPassword: REVERSED_PAIR }, user.accessToken),
    );
    expect((await post('/auth/login', { username: user.username, password: REPLACED })).statusCode).toBe(200);
    // Still this session's to change: nothing was ended.
    expect((await t.request({ method: 'GET', url: '/auth/me', token: user.accessToken })).statusCode).toBe(200);
  });

  it('accepts well-formed passwords beyond the Basic Multilingual Plane', async () => {
    const password = 'emoji passphrase \u{1F511}\u{1F510}';
    const user = await t.signUp({ password });
    expect((await post('/auth/login', { username: user.username, password })).statusCode).toBe(200);
  });
});
