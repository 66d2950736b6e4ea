import { join } from 'node:path';
import { runLogoutTokenReplayStoreSuite, runProviderSessionStoreSuite } from '@jwtgate/core/testing';
import { Redis } from 'ioredis';
import { createRedisLogoutTokenReplayStore } from '../../src/stores/redis/redis-logout-token-replay-store.js';
import { migrateToLatest } from '../../src/stores/sql/migrations.js';
import { openSqlDatabase } from '../../src/stores/sql/open-database.js';
import { createSqlLogoutTokenReplayStore } from '../../src/stores/sql/sql-logout-token-replay-store.js';
import { createSqlProviderSessionStore } from '../../src/stores/sql/sql-provider-session-store.js';
import { openMigratedTestDatabase } from '../support/databases.js';
import { deleteKeysWithPrefix } from '../support/redis-servers.js';
import { describeWithService, serviceUrl, uniqueName } from '../support/services.js';
import { makeTempDir } from '../support/temp-dir.js';

async function sqliteDatabase() {
  const dir = makeTempDir();
  const database = openSqlDatabase({ url: `sqlite:${join(dir.path, 'test.db')}`, timeoutMs: 1000 });
  await migrateToLatest(database.db);
  return {
    database,
    close: async () => {
      await database.close();
      dir.remove();
    },
  };
}

runProviderSessionStoreSuite('sqlite', async () => {
  const { database, close } = await sqliteDatabase();
  return { store: createSqlProviderSessionStore(database.db), close };
});
runLogoutTokenReplayStoreSuite('sqlite', async () => {
  const { database, close } = await sqliteDatabase();
  return { store: createSqlLogoutTokenReplayStore(database.db), close };
});

for (const kind of ['postgres', 'mysql'] as const) {
  describeWithService(kind)(`back-channel logout stores on ${kind === 'postgres' ? 'PostgreSQL' : 'MariaDB'}`, () => {
    runProviderSessionStoreSuite(kind, async () => {
      const { database, close } = await openMigratedTestDatabase(kind);
      return { store: createSqlProviderSessionStore(database.db, { timeoutMs: 5_000 }), close };
    });
    runLogoutTokenReplayStoreSuite(kind, async () => {
      const { database, close } = await openMigratedTestDatabase(kind);
      return { store: createSqlLogoutTokenReplayStore(database.db, { timeoutMs: 5_000 }), close };
    });
  });
}

describeWithService('redis')('accepted logout tokens in Redis', () => {
  runLogoutTokenReplayStoreSuite('redis', async () => {
    const client = new Redis(serviceUrl('redis') as string, { lazyConnect: true });
    await client.connect();
    const keyPrefix = `${uniqueName('jwtgate_t')}:`;
    return {
      store: createRedisLogoutTokenReplayStore(client, { keyPrefix, timeoutMs: 5_000 }),
      async close() {
        await deleteKeysWithPrefix(client, keyPrefix);
        await client.quit();
      },
    };
  });
});
