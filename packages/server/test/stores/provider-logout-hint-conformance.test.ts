import { join } from 'node:path';
import { runProviderLogoutHintStoreSuite } from '@jwtgate/core/testing';
import { migrateToLatest } from '../../src/stores/sql/migrations.js';
import { openSqlDatabase } from '../../src/stores/sql/open-database.js';
import { createSqlProviderLogoutHintStore } from '../../src/stores/sql/sql-provider-logout-hint-store.js';
import { openMigratedTestDatabase } from '../support/databases.js';
import { describeWithService } from '../support/services.js';
import { makeTempDir } from '../support/temp-dir.js';

runProviderLogoutHintStoreSuite('sqlite', async () => {
  const dir = makeTempDir();
  const database = openSqlDatabase({ url: `sqlite:${join(dir.path, 'test.db')}`, timeoutMs: 1000 });
  await migrateToLatest(database.db);
  return {
    store: createSqlProviderLogoutHintStore(database.db),
    close: async () => {
      await database.close();
      dir.remove();
    },
  };
});

for (const kind of ['postgres', 'mysql'] as const) {
  describeWithService(kind)(
    `the provider logout hint store on ${kind === 'postgres' ? 'PostgreSQL' : 'MariaDB'}`,
    () => {
      runProviderLogoutHintStoreSuite(kind, async () => {
        const { database, close } = await openMigratedTestDatabase(kind);
        return { store: createSqlProviderLogoutHintStore(database.db, { timeoutMs: 5_000 }), close };
      });
    },
  );
}
