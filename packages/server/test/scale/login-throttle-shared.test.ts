import { afterAll, beforeAll, expect, it } from 'vitest';
import { startInstancesSharingRedis } from '../support/instances-sharing-redis.js';
import { describeWithService } from '../support/services.js';
import type { TestServer } from '../support/test-server.js';

function login(t: TestServer, username: string, password: string) {
  return t.server.app.inject({
    method: 'POST',
    url: '/auth/login',
    remoteAddress: '198.51.100.20',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ username, password }),
  });
}

describeWithService('redis')('failed-login limits shared by instances through Redis', () => {
  let a: TestServer;
  let b: TestServer;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ a, b, close } = await startInstancesSharingRedis({ JWTGATE_LOGIN_MAX_FAILURES: '4' }));
  });
  afterAll(() => close?.());

  it('counts failures made on any instance, so spreading guesses over instances gains nothing', async () => {
    const { username, password } = await a.signUp();
    for (const instance of [a, b, a, b]) {
      expect((await login(instance, username, 'wrong password')).statusCode).toBe(401);
    }
    for (const instance of [a, b]) {
      const blocked = await login(instance, username, password);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().error.code).toBe('ERR_RATE_LIMITED');
    }
  });
});
