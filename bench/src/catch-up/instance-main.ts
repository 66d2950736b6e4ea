import type { AddressInfo } from 'node:net';
import { startJwtgateFixture } from '../support/jwtgate-fixture.js';
import { serveAsChild } from '../support/serve-as-child.js';

// One jwtgate instance of three: `instance-main.js <profile> <dataDir> <redisUrl> <redisPrefix> <register|join>`.
const [, , , dataDir, redisUrl, prefix, role] = process.argv;

serveAsChild(async () => {
  if (dataDir === undefined || redisUrl === undefined || prefix === undefined) {
    throw new Error('usage: instance-main.js <profile> <dataDir> <redisUrl> <redisPrefix> <register|join>');
  }
  const fixture = await startJwtgateFixture({
    dataDir,
    register: role === 'register',
    env: { JWTGATE_REDIS_URL: redisUrl, JWTGATE_REDIS_KEY_PREFIX: prefix },
  });
  try {
    await fixture.server.listen();
  } catch (error) {
    await fixture.close();
    throw error;
  }
  return { port: (fixture.server.app.server.address() as AddressInfo).port, tokens: [], close: () => fixture.close() };
});
