import { systemClock } from '@jwtgate/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deleteKeysWithPrefix } from '../support/redis-servers.js';
import { describeWithService, serviceUrl, uniqueName } from '../support/services.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

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
  const keyPrefix = `${uniqueName('jwtgate_t')}:`;

  beforeAll(async () => {
    const env = {
      JWTGATE_REDIS_URL: serviceUrl('redis') as string,
      JWTGATE_REDIS_KEY_PREFIX: keyPrefix,
      JWTGATE_LOGIN_MAX_FAILURES: '4',
    };
    a = await startTestServer({ clock: systemClock, env });
    b = await startTestServer({ clock: systemClock, env, dataDir: a.dataDir });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    const redis = new Redis(serviceUrl('redis') as string);
    await deleteKeysWithPrefix(redis, keyPrefix);
    redis.disconnect();
  });

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
