import type { AddressInfo } from 'node:net';
import { HELLO_PATH, helloHandler, helloSchema } from '../http/hello-route.js';
import { benchRedisUrl } from '../support/bench-redis.js';
import { startJwtgateFixture } from '../support/jwtgate-fixture.js';
import { serveAsChild } from '../support/serve-as-child.js';

// One jwtgate instance of a pair: `instance-main.js <profile> <dataDir> <redisPrefix> <register|join>`.
// Both share the SQLite file in dataDir and the Redis prefix, as two replicas behind a load balancer would.
const [, , , dataDir, prefix, role] = process.argv;

serveAsChild(async () => {
  if (dataDir === undefined || prefix === undefined || (role !== 'register' && role !== 'join')) {
    throw new Error('usage: instance-main.js <profile> <dataDir> <redisPrefix> <register|join>');
  }
  const fixture = await startJwtgateFixture({
    dataDir,
    register: role === 'register',
    env: { JWTGATE_REDIS_URL: benchRedisUrl, JWTGATE_REDIS_KEY_PREFIX: prefix },
    addRoutes(app) {
      app.get(HELLO_PATH, { config: { auth: true }, schema: helloSchema }, helloHandler);
    },
  });
  try {
    await fixture.server.listen();
  } catch (error) {
    await fixture.close();
    throw error;
  }
  // The propagation benchmark logs in itself; this instance hands out no token.
  return { port: (fixture.server.app.server.address() as AddressInfo).port, tokens: [], close: () => fixture.close() };
});
