import { runPasskeyChallengeStoreSuite } from '@jwtgate/core/testing';
import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { createRedisPasskeyChallengeStore } from '../../src/stores/redis/redis-passkey-challenge-store.js';
import { deleteKeysWithPrefix } from '../support/redis-servers.js';
import { describeWithService, serviceUrl, uniqueName } from '../support/services.js';

describeWithService('redis')('WebAuthn challenges in Redis', () => {
  runPasskeyChallengeStoreSuite('redis', async () => {
    const client = new Redis(serviceUrl('redis') as string, { lazyConnect: true });
    await client.connect();
    const keyPrefix = `${uniqueName('jwtgate_t')}:`;
    return {
      store: createRedisPasskeyChallengeStore(client, { keyPrefix, timeoutMs: 5_000 }),
      async close() {
        await deleteKeysWithPrefix(client, keyPrefix);
        await client.quit();
      },
    };
  });
});

// Keeps vitest from reporting an empty file when no service is configured outside CI.
describe.skip('placeholder', () => {});
