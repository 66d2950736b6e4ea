import { systemClock } from '@jwtgate/core';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from './redis-servers.js';
import { serviceUrl, uniqueName } from './services.js';
import { startTestServer, type TestServer } from './test-server.js';

/**
 * Two in-process jwtgate instances on the real clock with the same users (one
 * SQLite file) and the same Redis under a key prefix of their own, as two
 * instances behind a load balancer; `close()` stops both and deletes their keys.
 *
 * @example
 * const { a, b, close } = await startInstancesSharingRedis({ JWTGATE_AUTH_MAX_SESSIONS: '2' });
 */
export async function startInstancesSharingRedis(
  env: Record<string, string> = {},
): Promise<{ a: TestServer; b: TestServer; close(): Promise<void> }> {
  const keyPrefix = `${uniqueName('jwtgate_t')}:`;
  const shared = { JWTGATE_REDIS_URL: serviceUrl('redis') as string, JWTGATE_REDIS_KEY_PREFIX: keyPrefix, ...env };
  const a = await startTestServer({ clock: systemClock, env: shared });
  const b = await startTestServer({ clock: systemClock, env: shared, dataDir: a.dataDir });
  return {
    a,
    b,
    async close() {
      await b.close();
      await a.close();
      const redis = new Redis(serviceUrl('redis') as string);
      await deleteKeysWithPrefix(redis, keyPrefix);
      redis.disconnect();
    },
  };
}
