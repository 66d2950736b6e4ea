import { runAttemptStoreSuite } from '@jwtgate/core/testing';
import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { createRedisAttemptStore } from '../../src/stores/redis/redis-attempt-store.js';
import { deleteKeysWithPrefix } from '../support/redis-servers.js';
import { describeWithService, serviceUrl, uniqueName } from '../support/services.js';

describeWithService('redis')('failed-attempt counts in Redis', () => {
  runAttemptStoreSuite('redis', async () => {
    const client = new Redis(serviceUrl('redis') as string, { lazyConnect: true });
    await client.connect();
    const keyPrefix = `${uniqueName('jwtgate_t')}:`;
    return {
      store: createRedisAttemptStore(client, { keyPrefix, timeoutMs: 5_000 }),
      async close() {
        await deleteKeysWithPrefix(client, keyPrefix);
        await client.quit();
      },
    };
  });
});

// Keeps vitest from reporting an empty file when no service is configured outside CI.
describe.skip('placeholder', () => {});
