import { registerUser } from '@jwtgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArgon2Hasher } from '../../src/passwords/argon2-hasher.js';
import { type BackendPlace, backendAvailable, everyBackend, openBackend } from '../support/backends.js';
import { postFrom } from '../support/post-from.js';
import { uniqueName } from '../support/services.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const password = 'correct horse battery staple';
const MAX_PER_IP = 5;
const WINDOW_SEC = 3600;
const TTL_SEC = 300;

/** SQLite (attempts counted in the database) and PostgreSQL with Redis (attempts counted in Redis). */
const backends = everyBackend.filter(
  (b) => (b.kind === 'sqlite' || (b.kind === 'postgres' && b.redis)) && backendAvailable(b),
);

describe.each(backends)('looking at invitations, rate-limited per client address, on $name', (backend) => {
  let place: BackendPlace;
  let t: TestServer;
  let adminName: string;
  let adminToken: string;

  beforeAll(async () => {
    place = await openBackend(backend);
    t = await startTestServer({
      ...(place.dataDir === undefined ? {} : { dataDir: place.dataDir }),
      env: {
        ...place.env,
        JWTGATE_REGISTER_ENABLED: 'false',
        // No mail: the administrator hands the link over, and looking at it is counted all the same.
        JWTGATE_MAIL_ENABLED: 'false',
        JWTGATE_WEB_PUBLIC_URL: 'https://auth.example.test',
        JWTGATE_MAIL_MAX_PER_IP: String(MAX_PER_IP),
        JWTGATE_MAIL_WINDOW: String(WINDOW_SEC),
        JWTGATE_REGISTER_INVITATION_TTL: String(TTL_SEC),
      },
    });
    adminName = uniqueName('admin');
    await registerUser(
      { users: t.server.users, hasher: await createArgon2Hasher(), clock: t.clock },
      { username: adminName, password, role: 'admin' },
    );
    adminToken = (await t.login(adminName, password)).accessToken;
  });
  afterAll(async () => {
    await t?.close();
    await place?.remove();
  });

  async function invite(): Promise<{ id: string; secret: string; email: string }> {
    const email = `${uniqueName('guest')}@example.com`;
    const res = await t.request({ method: 'POST', url: '/admin/invitations', token: adminToken, body: { email } });
    expect(res.statusCode, res.body).toBe(201);
    return {
      id: res.json().invitation.id,
      secret: (res.json().link as string).split('#invitation=')[1] as string,
      email,
    };
  }

  const look = (invitation: string, address: string) => postFrom(t, '/auth/invitation', { invitation }, address);

  it('counts every secret presented, wrong ones included; past the limit 429 with Retry-After even for a valid one, while another client still gets its answer', async () => {
    const used = await invite();
    const registered = await postFrom(t, '/auth/register', {
      username: uniqueName('u'),
      password,
      invitation: used.secret,
    });
    expect(registered.statusCode, registered.body).toBe(201);
    const revoked = await invite();
    expect(
      (await t.request({ method: 'DELETE', url: `/admin/invitations/${revoked.id}`, token: adminToken })).statusCode,
    ).toBe(200);
    const expired = await invite();
    t.clock.advance(TTL_SEC * 1000 + 1000);
    // Made after the clock moved, so that it is still pending.
    const fresh = await invite();

    // Five refusals from one address, one answer for every reason: nothing tells them apart.
    const address = '198.51.100.70';
    const refusals = [];
    for (const secret of [`jge1_${'A'.repeat(43)}`, 'nonsense', used.secret, revoked.secret, expired.secret]) {
      const res = await look(secret, address);
      expect(res.statusCode, secret).toBe(400);
      refusals.push(res.body);
    }
    expect(new Set(refusals).size).toBe(1);
    expect(JSON.parse(refusals[0] as string).error.code).toBe('ERR_INVITATION_INVALID');

    // The sixth, valid or not, is refused with the rate-limit code and Retry-After, without looking.
    for (const secret of [fresh.secret, 'nonsense']) {
      const limited = await look(secret, address);
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('ERR_RATE_LIMITED');
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_SEC);
      expect(limited.body).not.toContain(fresh.email);
    }
    // Another client is not limited.
    const other = await look(fresh.secret, '203.0.113.70');
    expect(other.statusCode, other.body).toBe(200);
    expect(other.json().email).toBe(fresh.email);

    // Looking used nothing up: the invitation still registers, even from the limited address.
    const signUp = await postFrom(
      t,
      '/auth/register',
      { username: uniqueName('fresh'), password, invitation: fresh.secret },
      address,
    );
    expect(signUp.statusCode, signUp.body).toBe(201);
  });

  it('counts an IPv6 client by its /64 network, and lets it look again once the window has passed', async () => {
    for (let i = 1; i <= MAX_PER_IP; i++) {
      expect((await look('nonsense', `2001:db8:7:8::${i}`)).statusCode).toBe(400);
    }
    expect((await look('nonsense', '2001:db8:7:8:ffff::9')).statusCode).toBe(429);
    t.clock.advance(WINDOW_SEC * 1000);
    // The administrator's access token has long expired by then: a fresh sign-in.
    adminToken = (await t.login(adminName, password)).accessToken;
    const { secret, email } = await invite();
    const answer = await look(secret, '2001:db8:7:8::1');
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json().email).toBe(email);
  });
});
