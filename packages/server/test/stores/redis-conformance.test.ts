import { runSessionStoreSuite } from '@jwtgate/core/testing';
import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { createRedisSessionStore } from '../../src/stores/redis/redis-session-store.js';
import { deleteKeysWithPrefix } from '../support/redis-servers.js';
import { describeWithService, serviceUrl, uniqueName } from '../support/services.js';

describeWithService('redis')('the Redis session store on a standalone Redis', () => {
  runSessionStoreSuite('redis', async () => {
    const client = new Redis(serviceUrl('redis') as string, { lazyConnect: true });
    await client.connect();
    const keyPrefix = `${uniqueName('jwtgate_t')}:`;
    const store = createRedisSessionStore(client, { keyPrefix, retentionMs: 15 * 60_000 + 5_000, timeoutMs: 5_000 });
    return {
      store,
      async close() {
        store.close();
        await deleteKeysWithPrefix(client, keyPrefix);
        await client.quit();
      },
    };
  });
});

// Keeps vitest from reporting an empty file when no service is configured outside CI.
describe.skip('placeholder', () => {});
