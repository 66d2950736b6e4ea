import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginFrom } from '../support/post-from.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const login = loginFrom;

/** Guesses from `count` addresses the account never used, one guess each, as a botnet sends them. */
async function guessFromBotnet(t: TestServer, username: string, count: number, from = 0) {
  for (let i = from; i < from + count; i++) {
    expect((await login(t, username, 'Summer2026!', `203.0.${Math.floor(i / 250)}.${i % 250}`)).statusCode).toBe(401);
  }
}

describe('the per-username lock', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: {
        JWTGATE_LOGIN_MAX_FAILURES: '5',
        JWTGATE_LOGIN_MAX_FAILURES_PER_ACCOUNT: '6',
        JWTGATE_LOGIN_LOCK_DURATION: '60',
        JWTGATE_LOGIN_MAX_LOCK_DURATION: '180',
        JWTGATE_LOGIN_FAILURE_WINDOW: '600',
      },
    });
  });
  afterAll(() => t.close());

  it('locks a username guessed from many addresses: 429 with Retry-After, for the right password too', async () => {
    const { username, password } = await t.signUp();
    await guessFromBotnet(t, username, 6);
    const blocked = await login(t, username, password, '192.0.2.50');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('ERR_RATE_LIMITED');
    expect(blocked.headers['retry-after']).toBe('60');
    expect(blocked.body).not.toContain(username);
    t.clock.advance(60_000);
    expect((await login(t, username, password, '192.0.2.50')).statusCode).toBe(200);
  });

  it("keeps the owner's usual network open while the username is locked everywhere else", async () => {
    const { username, password } = await t.signUp();
    const home = '198.51.100.77';
    expect((await login(t, username, password, home)).statusCode).toBe(200);
    t.clock.advance(3_600_000);
    await guessFromBotnet(t, username, 6, 100);
    expect((await login(t, username, password, '192.0.2.51')).statusCode).toBe(429);
    // The owner mistypes once at home, then gets in, all while the lock holds elsewhere.
    expect((await login(t, username, 'a typo', home)).statusCode).toBe(401);
    expect((await login(t, username, password, home)).statusCode).toBe(200);
    expect((await login(t, username, password, '192.0.2.51')).statusCode).toBe(429);
  });

  it('makes the lock grow with each round of guessing, then stay capped', async () => {
    const { username, password } = await t.signUp();
    const locks: string[] = [];
    for (let round = 0; round < 4; round++) {
      await guessFromBotnet(t, username, 6, 300 + round * 10);
      const blocked = await login(t, username, password, '192.0.2.52');
      expect(blocked.statusCode).toBe(429);
      locks.push(blocked.headers['retry-after'] as string);
      t.clock.advance(Number(blocked.headers['retry-after']) * 1000);
    }
    expect(locks).toEqual(['60', '120', '180', '180']);
    expect((await login(t, username, password, '192.0.2.52')).statusCode).toBe(200);
  });

  it('answers an unknown username exactly as an existing one', async () => {
    const { username } = await t.signUp();
    await guessFromBotnet(t, username, 6, 500);
    await guessFromBotnet(t, 'no-such-account', 6, 600);
    const [real, unknown] = [
      await login(t, username, 'Summer2026!', '192.0.2.53'),
      await login(t, 'no-such-account', 'Summer2026!', '192.0.2.53'),
    ];
    expect([real.statusCode, unknown.statusCode]).toEqual([429, 429]);
    expect(unknown.headers['retry-after']).toBe(real.headers['retry-after']);
    expect(unknown.json()).toEqual(real.json());
  });
});
