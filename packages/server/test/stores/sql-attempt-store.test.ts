import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/stores/sql/migrations.js';
import { openSqlDatabase, type SqlDatabase } from '../../src/stores/sql/open-database.js';
import { createSqlAttemptStore } from '../../src/stores/sql/sql-attempt-store.js';
import { openMigratedTestDatabase } from '../support/databases.js';
import { describeWithService } from '../support/services.js';
import { makeTempDir } from '../support/temp-dir.js';

async function openSqlite(): Promise<{ database: SqlDatabase; close: () => Promise<void> }> {
  const dir = makeTempDir();
  const database = openSqlDatabase({ url: `sqlite:${join(dir.path, 'attempts.db')}`, timeoutMs: 1000 });
  await migrateToLatest(database.db);
  return {
    database,
    close: async () => {
      await database.close();
      dir.remove();
    },
  };
}

const kinds = [
  ['sqlite', describe, openSqlite],
  ['postgres', describeWithService('postgres'), () => openMigratedTestDatabase('postgres')],
  ['mysql', describeWithService('mysql'), () => openMigratedTestDatabase('mysql')],
] as const;

for (const [kind, describeFor, open] of kinds) {
  describeFor(`the SQL attempt store on ${kind}`, () => {
    it('keeps exact window ends and large counts, for windows up to a year', async () => {
      const { database, close } = await open();
      try {
        const store = createSqlAttemptStore(database.db, database.dialect);
        const now = Date.now();
        const year = 365 * 86_400_000;
        await store.hit(['long'], now, year);
        const counts = await Promise.all(Array.from({ length: 40 }, (_, i) => store.hit(['long'], now + i, year)));
        expect(Math.max(...counts.map(([count]) => count?.failures ?? 0))).toBe(41);
        expect(counts.every(([count]) => count?.resetAt === now + year)).toBe(true);
      } finally {
        await close();
      }
    });

    it('deletes the rows of ended windows, and only those', async () => {
      const { database, close } = await open();
      try {
        const store = createSqlAttemptStore(database.db, database.dialect);
        const now = Date.now();
        await store.hit(['ended', 'also ended'], now - 10_000, 1_000);
        await store.hit(['running'], now, 60_000);
        expect(await store.deleteExpired(now)).toBe(2);
        expect((await store.peek(['running'], now))[0]?.failures).toBe(1);
        expect(await store.deleteExpired(now)).toBe(0);
      } finally {
        await close();
      }
    });
  });
}
