import { join } from 'node:path';
import { runInvitationStoreSuite } from '@jwtgate/core/testing';
import { migrateToLatest } from '../../src/stores/sql/migrations.js';
import { openSqlDatabase } from '../../src/stores/sql/open-database.js';
import { createSqlInvitationStore } from '../../src/stores/sql/sql-invitation-store.js';
import { createSqlUserStore } from '../../src/stores/sql/sql-user-store.js';
import { openMigratedTestDatabase } from '../support/databases.js';
import { describeWithService } from '../support/services.js';
import { makeTempDir } from '../support/temp-dir.js';

runInvitationStoreSuite('sqlite', async () => {
  const dir = makeTempDir();
  const database = openSqlDatabase({ url: `sqlite:${join(dir.path, 'test.db')}`, timeoutMs: 1000 });
  await migrateToLatest(database.db);
  return {
    store: createSqlInvitationStore(database.db),
    users: createSqlUserStore(database.db),
    close: async () => {
      await database.close();
      dir.remove();
    },
  };
});

for (const kind of ['postgres', 'mysql'] as const) {
  describeWithService(kind)(`the invitation store on ${kind === 'postgres' ? 'PostgreSQL' : 'MariaDB'}`, () => {
    runInvitationStoreSuite(kind, async () => {
      const { database, close } = await openMigratedTestDatabase(kind);
      return {
        store: createSqlInvitationStore(database.db, { timeoutMs: 5_000 }),
        users: createSqlUserStore(database.db, { timeoutMs: 5_000 }),
        close,
      };
    });
  });
}
