import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postFrom } from '../support/post-from.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const register = (t: TestServer, username: string, password: string, remoteAddress: string) =>
  postFrom(t, '/auth/register', { username, password }, remoteAddress);

describe('registration throttling', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { JWTGATE_REGISTER_MAX_PER_IP: '3', JWTGATE_REGISTER_WINDOW: '3600' } });
  });
  afterAll(() => t.close());

  it('counts every attempt from an address, refused ones included, then answers 429 and creates nothing', async () => {
    const address = '198.51.100.30';
    expect((await register(t, 'reg-one', 'long enough pw', address)).statusCode).toBe(201);
    expect((await register(t, 'reg-one', 'long enough pw', address)).statusCode).toBe(409);
    expect((await register(t, 'reg-two', 'short', address)).statusCode).toBe(400);
    const blocked = await register(t, 'reg-three', 'long enough pw', address);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('ERR_RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(await t.server.users.findByUsernameKey('reg-three')).toBeNull();
    expect((await register(t, 'reg-three', 'long enough pw', '203.0.113.30')).statusCode).toBe(201);
  });

  it('holds the limit when attempts arrive together', async () => {
    const address = '198.51.100.31';
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => register(t, `burst-${i}`, 'long enough pw', address)),
    );
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.statusCode === 429)).toHaveLength(7);
  });

  it('counts an IPv6 client by its /64 network', async () => {
    for (let i = 1; i <= 3; i++) {
      expect((await register(t, `v6-${i}`, 'long enough pw', `2001:db8:1:2::${i}`)).statusCode).toBe(201);
    }
    expect((await register(t, 'v6-4', 'long enough pw', '2001:db8:1:2:ffff::9')).statusCode).toBe(429);
  });

  it('lets the address register again once the window has passed', async () => {
    const address = '198.51.100.32';
    for (let i = 0; i < 3; i++) await register(t, `later-${i}`, 'long enough pw', address);
    expect((await register(t, 'later-3', 'long enough pw', address)).statusCode).toBe(429);
    t.clock.advance(3_600_000);
    expect((await register(t, 'later-3', 'long enough pw', address)).statusCode).toBe(201);
  });
});
