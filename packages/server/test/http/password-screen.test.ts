import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../support/log-capture.js';
import { type PwnedRangeServer, sha1Parts, startPwnedRangeServer } from '../support/pwned-range-server.js';
import { makeTempDir } from '../support/temp-dir.js';
import { loadTestConfig, startTestServer, type TestServer } from '../support/test-server.js';

const GOOD = 'correct horse battery staple';
const COMMON = 'Password123';

describe('common passwords, refused by default (Passwords.RejectCommon)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { JWTGATE_LOGIN_MAX_FAILURES: '3' } });
  });
  afterAll(() => t.close());

  const register = (username: string, password: string) =>
    t.request({ method: 'POST', url: '/auth/register', body: { username, password } });

  it('refuses a common password at registration, in any letter case, and creates nobody', async () => {
    for (const password of [COMMON, 'PASSWORD123', 'ｐａｓｓｗｏｒｄ１２３', 'iloveyou']) {
      const res = await register('newcomer', password);
      expect(res.statusCode, password).toBe(400);
      expect(res.json().error).toEqual({
        code: 'ERR_COMMON_PASSWORD',
        message: 'The password is one of the most common passwords; choose another',
      });
      expect(res.body).not.toContain(password);
    }
    expect((await register('newcomer', GOOD)).statusCode).toBe(201);
  });

  it('answers the same for a name that is taken as for one that is free: it says nothing about accounts', async () => {
    const taken = await t.signUp();
    const forTaken = await register(taken.username, COMMON);
    const forFree = await register(`free-${taken.username}`, COMMON);
    expect([forTaken.statusCode, forTaken.json()]).toEqual([forFree.statusCode, forFree.json()]);
    expect(forTaken.json().error.code).toBe('ERR_COMMON_PASSWORD');
  });

  it('refuses a common new password before checking the current one, which costs no guess', async () => {
    const user = await t.signUp();
    const change = (currentPassword: string, newPassword: string) =>
      t.request({
        method: 'POST',
        url: '/auth/password',
        token: user.accessToken,
        body: { currentPassword, newPassword },
      });
    // More than Login.MaxFailures tries with a wrong current password: none is counted.
    for (let i = 0; i < 5; i++) {
      const res = await change('a wrong current password', COMMON);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('ERR_COMMON_PASSWORD');
    }
    const changed = await change(user.password, 'a rarer passphrase than most');
    expect(changed.statusCode, changed.body).toBe(200);
  });

  it('lets an account whose stored password is common keep logging in', async () => {
    const dataDir = makeTempDir();
    try {
      const lax = await startTestServer({ dataDir: dataDir.path, env: { JWTGATE_PASSWORDS_REJECT_COMMON: 'false' } });
      const created = await lax.request({
        method: 'POST',
        url: '/auth/register',
        body: { username: 'oldtimer', password: COMMON },
      });
      expect(created.statusCode).toBe(201);
      await lax.close();
      const strict = await startTestServer({ dataDir: dataDir.path });
      try {
        await expect(strict.login('oldtimer', COMMON)).resolves.toHaveProperty('accessToken');
      } finally {
        await strict.close();
      }
    } finally {
      dataDir.remove();
    }
  });
});

describe('Have I Been Pwned range check (Passwords.BreachCheck), against a real HTTP server', () => {
  const BREACHED = 'a breached but uncommon passphrase';
  let range: PwnedRangeServer;
  const log = captureLog();

  beforeAll(async () => {
    range = await startPwnedRangeServer();
    range.list(BREACHED, 3);
  });
  afterAll(() => range.close());

  async function serverWith(policy: 'accept' | 'refuse'): Promise<TestServer> {
    return startTestServer({
      env: {
        JWTGATE_PASSWORDS_BREACH_CHECK_ENABLED: 'true',
        JWTGATE_PASSWORDS_BREACH_CHECK_RANGE_URL: range.rangeUrl,
        JWTGATE_PASSWORDS_BREACH_CHECK_TIMEOUT: '300',
        JWTGATE_PASSWORDS_BREACH_CHECK_WHEN_UNAVAILABLE: policy,
        JWTGATE_METRICS_ENABLED: 'true',
        JWTGATE_METRICS_PORT: '0',
      },
      logger: { level: 'debug', stream: log.stream },
    });
  }

  const metricsOf = (t: TestServer) => t.server.metrics?.registry.render() ?? '';

  it('refuses a breached password at registration and counts it; the common list is asked first', async () => {
    const t = await serverWith('accept');
    try {
      range.requests.length = 0;
      const breached = await t.request({
        method: 'POST',
        url: '/auth/register',
        body: { username: 'pwned', password: BREACHED },
      });
      expect(breached.statusCode).toBe(400);
      expect(breached.json().error.code).toBe('ERR_BREACHED_PASSWORD');
      expect(range.requests.map((r) => r.url)).toEqual([`/range/${sha1Parts(BREACHED).prefix}`]);
      const common = await t.request({
        method: 'POST',
        url: '/auth/register',
        body: { username: 'c', password: COMMON },
      });
      expect(common.json().error.code).toBe('ERR_COMMON_PASSWORD');
      // A common password never leaves the server, not even as a prefix.
      expect(range.requests).toHaveLength(1);
      const fine = await t.request({ method: 'POST', url: '/auth/register', body: { username: 'ok', password: GOOD } });
      expect(fine.statusCode).toBe(201);
      expect(metricsOf(t)).toMatch(/jwtgate_password_breach_checks_total\{outcome="breached"\} 1\b/);
      expect(metricsOf(t)).toMatch(/jwtgate_password_breach_checks_total\{outcome="clean"\} 1\b/);
    } finally {
      await t.close();
    }
  });

  it('accepts passwords while the API fails, with one warning and a count, when the policy is accept', async () => {
    const t = await serverWith('accept');
    const before = log.lines().length;
    try {
      range.misbehaveAll('fail');
      for (const username of ['open1', 'open2']) {
        const res = await t.request({ method: 'POST', url: '/auth/register', body: { username, password: BREACHED } });
        expect(res.statusCode, res.body).toBe(201);
      }
      expect(metricsOf(t)).toMatch(/jwtgate_password_breach_checks_total\{outcome="unavailable"\} 2\b/);
      const warnings = log
        .lines()
        .slice(before)
        .filter((line) => /Pwned Passwords/.test(line.msg ?? ''));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ level: 40, why: 'status 500' });
      range.misbehaveAll(null);
      const back = await t.request({
        method: 'POST',
        url: '/auth/register',
        body: { username: 'x', password: BREACHED },
      });
      expect(back.json().error.code).toBe('ERR_BREACHED_PASSWORD');
    } finally {
      range.misbehaveAll(null);
      await t.close();
    }
  });

  it('refuses with 503 and Retry-After while the API is too slow, when the policy is refuse', async () => {
    const t = await serverWith('refuse');
    try {
      range.misbehaveAll('slow');
      const res = await t.request({
        method: 'POST',
        url: '/auth/register',
        body: { username: 'closed', password: GOOD },
      });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('ERR_BREACH_CHECK_UNAVAILABLE');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      range.misbehaveAll(null);
      // The refused attempt created nobody: the same name is free.
      const again = await t.request({
        method: 'POST',
        url: '/auth/register',
        body: { username: 'closed', password: GOOD },
      });
      expect(again.statusCode, again.body).toBe(201);
    } finally {
      range.misbehaveAll(null);
      await t.close();
    }
  });

  it('never logs the password, its hash, its prefix or the answer', () => {
    const text = log.text();
    expect(text.length).toBeGreaterThan(0);
    for (const password of [BREACHED, GOOD]) {
      const { prefix, suffix } = sha1Parts(password);
      for (const secret of [password, prefix, suffix, `${prefix}${suffix}`]) expect(text).not.toContain(secret);
    }
  });
});

describe('the Passwords settings', () => {
  it('refuse a range URL in clear text over the network in production, or with credentials', () => {
    const production = {
      NODE_ENV: 'production',
      JWTGATE_PASSWORDS_BREACH_CHECK_ENABLED: 'true',
    };
    expect(() =>
      loadTestConfig({ ...production, JWTGATE_PASSWORDS_BREACH_CHECK_RANGE_URL: 'http://mirror.internal/range/' }),
    ).toThrow(/Passwords\.BreachCheck\.RangeUrl: http:\/\/ sends password hash prefixes in clear text/);
    expect(() =>
      loadTestConfig({ ...production, JWTGATE_PASSWORDS_BREACH_CHECK_RANGE_URL: 'https://u:p@mirror.internal/range/' }),
    ).toThrow(/Passwords\.BreachCheck\.RangeUrl: credentials in the URL/);
    const local = loadTestConfig({
      ...production,
      JWTGATE_PASSWORDS_BREACH_CHECK_RANGE_URL: 'http://127.0.0.1:8080/range/',
    });
    expect(local.passwords.breachCheck?.rangeUrl).toBe('http://127.0.0.1:8080/range/');
  });

  it('default to the common list on and the breach check off, pointed at the public API', () => {
    const config = loadTestConfig({});
    expect(config.passwords).toEqual({ rejectCommon: true, contextWords: ['jwtgate'], breachCheck: undefined });
    const on = loadTestConfig({ JWTGATE_PASSWORDS_BREACH_CHECK_ENABLED: 'true' });
    expect(on.passwords.breachCheck).toEqual({
      rangeUrl: 'https://api.pwnedpasswords.com/range/',
      timeoutMs: 2000,
      whenUnavailable: 'accept',
    });
  });
});
