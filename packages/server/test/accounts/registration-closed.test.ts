import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

const password = 'correct horse battery staple';

describe('registration closed (Register.Enabled: false)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { JWTGATE_REGISTER_ENABLED: 'false' } });
  });
  afterAll(() => t.close());

  it('refuses self-registration with ERR_REGISTRATION_CLOSED, creating nobody', async () => {
    const res = await t.request({ method: 'POST', url: '/auth/register', body: { username: 'walk-in', password } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('ERR_REGISTRATION_CLOSED');
    expect(await t.server.users.findByUsernameKey('walk-in')).toBeNull();
  });

  it('tells the page that sign-up is closed', async () => {
    const res = await t.request({ method: 'GET', url: '/auth/settings' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ registrationOpen: false });
  });
});

describe('registration open (the default)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('tells the page that sign-up is open, and registers', async () => {
    expect((await t.request({ method: 'GET', url: '/auth/settings' })).json()).toMatchObject({
      registrationOpen: true,
    });
    const res = await t.request({ method: 'POST', url: '/auth/register', body: { username: 'walk-in', password } });
    expect(res.statusCode).toBe(201);
  });
});
