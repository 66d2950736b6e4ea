import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginFrom } from '../support/post-from.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const login = loginFrom;

describe('failed-login throttling', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: {
        JWTGATE_LOGIN_MAX_FAILURES: '3',
        JWTGATE_LOGIN_MAX_FAILURES_PER_IP: '8',
        JWTGATE_LOGIN_FAILURE_WINDOW: '600',
      },
    });
  });
  afterAll(() => t.close());

  it('refuses even the right password with 429 after too many failures for that account from that address', async () => {
    const { username, password } = await t.signUp();
    for (let i = 0; i < 3; i++) expect((await login(t, username, 'wrong password')).statusCode).toBe(401);
    const blocked = await login(t, username, password);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('ERR_RATE_LIMITED');
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(JSON.stringify(blocked.json())).not.toContain(username);
  });

  it('does not let one address lock the account out for the others', async () => {
    const { username, password } = await t.signUp();
    for (let i = 0; i < 4; i++) await login(t, username, 'wrong password', '198.51.100.2');
    expect((await login(t, username, password, '198.51.100.2')).statusCode).toBe(429);
    expect((await login(t, username, password, '203.0.113.9')).statusCode).toBe(200);
  });

  it('treats unknown usernames exactly like existing ones', async () => {
    const address = '198.51.100.3';
    for (let i = 0; i < 3; i++)
      expect((await login(t, 'nobody-by-this-name', 'whatever pw', address)).statusCode).toBe(401);
    const blocked = await login(t, 'nobody-by-this-name', 'whatever pw', address);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('ERR_RATE_LIMITED');
  });

  it('counts every spelling of a username as one account', async () => {
    const { username, password } = await t.signUp({ username: 'Renée' });
    const address = '198.51.100.4';
    for (const spelling of ['renée', 'RENÉE', 'Ｒenée']) await login(t, spelling, 'wrong password', address);
    expect((await login(t, username, password, address)).statusCode).toBe(429);
  });

  it('stops password spraying from one address across many usernames', async () => {
    const address = '198.51.100.5';
    const victim = await t.signUp();
    for (let i = 0; i < 8; i++) await login(t, `sprayed-${i}`, 'Summer2026!', address);
    const blocked = await login(t, victim.username, victim.password, address);
    expect(blocked.statusCode).toBe(429);
  });

  it('stops spraying from one IPv6 /64 after another of a /48 at ten networks’ allowance', async () => {
    // Anyone can have a /48 (a free tunnel): 65,536 networks of /64, each counted on its own.
    const victim = await t.signUp();
    for (let i = 0; i < 80; i++) {
      const res = await login(t, `site-sprayed-${i}`, 'Summer2026!', `2001:db8:48:${i.toString(16)}::1`);
      expect(res.statusCode, String(i)).toBe(401);
    }
    const blocked = await login(t, victim.username, victim.password, '2001:db8:48:ff::1');
    expect(blocked.statusCode).toBe(429);
    expect((await login(t, victim.username, victim.password, '2001:db8:49::1')).statusCode).toBe(200);
  });

  it('forgets an account’s failures after a successful login', async () => {
    const { username, password } = await t.signUp();
    const address = '198.51.100.6';
    for (let i = 0; i < 2; i++) await login(t, username, 'wrong password', address);
    expect((await login(t, username, password, address)).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) expect((await login(t, username, 'wrong password', address)).statusCode).toBe(401);
    expect((await login(t, username, password, address)).statusCode).toBe(200);
  });

  it('lets the account try again once the window has passed', async () => {
    const { username, password } = await t.signUp();
    const address = '198.51.100.7';
    for (let i = 0; i < 3; i++) await login(t, username, 'wrong password', address);
    expect((await login(t, username, password, address)).statusCode).toBe(429);
    t.clock.advance(600_000);
    expect((await login(t, username, password, address)).statusCode).toBe(200);
  });
});

describe('failed-login throttling switched off', () => {
  it('never answers 429 when both limits are 0', async () => {
    const t = await startTestServer({
      env: { JWTGATE_LOGIN_MAX_FAILURES: '0', JWTGATE_LOGIN_MAX_FAILURES_PER_IP: '0' },
    });
    try {
      const { username, password } = await t.signUp();
      for (let i = 0; i < 15; i++) await login(t, username, 'wrong password');
      expect((await login(t, username, password)).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('failed-login throttling under concurrency', () => {
  it('lets no more guesses through than the limit when they all arrive at once', async () => {
    const t = await startTestServer({
      env: { JWTGATE_LOGIN_MAX_FAILURES: '3', JWTGATE_LOGIN_MAX_FAILURES_PER_IP: '1000' },
    });
    try {
      const { username } = await t.signUp();
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => login(t, username, 'wrong password', '198.51.100.20')),
      );
      const statuses = answers.map((answer) => answer.statusCode);
      expect(statuses.filter((status) => status === 401)).toHaveLength(3);
      expect(statuses.filter((status) => status === 429)).toHaveLength(17);
    } finally {
      await t.close();
    }
  });
});

describe('failed-login throttling of refused attempts', () => {
  it('does not count attempts it refused against the address', async () => {
    const t = await startTestServer({
      env: { JWTGATE_LOGIN_MAX_FAILURES: '3', JWTGATE_LOGIN_MAX_FAILURES_PER_IP: '5' },
    });
    try {
      const [first, second] = [await t.signUp(), await t.signUp()];
      const address = '198.51.100.21';
      for (let i = 0; i < 3; i++)
        expect((await login(t, first.username, 'wrong password', address)).statusCode).toBe(401);
      for (let i = 0; i < 10; i++)
        expect((await login(t, first.username, first.password, address)).statusCode).toBe(429);
      expect((await login(t, second.username, second.password, address)).statusCode).toBe(200);
      for (let i = 0; i < 2; i++)
        expect((await login(t, second.username, 'wrong password', address)).statusCode).toBe(401);
      expect((await login(t, second.username, second.password, address)).statusCode).toBe(429);
    } finally {
      await t.close();
    }
  });
});

describe('failed-login throttling over IPv6', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { JWTGATE_LOGIN_MAX_FAILURES: '3', JWTGATE_LOGIN_MAX_FAILURES_PER_IP: '8' } });
  });
  afterAll(() => t.close());

  it('counts every address of one /64 network as one, so rotating addresses buys no guesses', async () => {
    const { username, password } = await t.signUp();
    // One host has a whole /64 to send from; each guess below comes from another address in it.
    for (let i = 1; i <= 3; i++) {
      expect((await login(t, username, 'wrong password', `2001:db8:7:1::${i.toString(16)}`)).statusCode).toBe(401);
    }
    expect((await login(t, username, password, '2001:db8:7:1:ffff:ffff:ffff:fffe')).statusCode).toBe(429);
    expect((await login(t, username, password, '2001:DB8:7:1:0:0:0:9')).statusCode).toBe(429);
    // The neighbouring network is someone else.
    expect((await login(t, username, password, '2001:db8:7:2::1')).statusCode).toBe(200);
  });

  it('stops spraying across usernames from addresses of one /64', async () => {
    const victim = await t.signUp();
    for (let i = 0; i < 8; i++) await login(t, `sprayed-v6-${i}`, 'Summer2026!', `2001:db8:8:1::${i + 1}`);
    expect((await login(t, victim.username, victim.password, '2001:db8:8:1::abcd')).statusCode).toBe(429);
  });

  it('still tells IPv4 clients apart when they arrive as IPv4-mapped IPv6 addresses', async () => {
    const { username, password } = await t.signUp();
    for (let i = 0; i < 3; i++) await login(t, username, 'wrong password', '::ffff:198.51.100.30');
    expect((await login(t, username, password, '198.51.100.30')).statusCode).toBe(429);
    expect((await login(t, username, password, '::ffff:198.51.100.31')).statusCode).toBe(200);
  });
});
