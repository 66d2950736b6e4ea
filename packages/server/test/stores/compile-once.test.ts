import { describe, expect, it } from 'vitest';
import { compileOnce } from '../../src/stores/sql/compile-once.js';
import { migrateToLatest } from '../../src/stores/sql/migrations.js';
import { openSqlDatabase } from '../../src/stores/sql/open-database.js';

async function openMemoryDatabase() {
  const database = openSqlDatabase({ url: 'sqlite::memory:', timeoutMs: 1000 });
  await migrateToLatest(database.db);
  return database;
}

describe('compileOnce', () => {
  it('runs one compiled query with each call’s values, an argument bound twice included', async () => {
    const { db, close } = await openMemoryDatabase();
    try {
      await db
        .insertInto('jwtgate_session_locks')
        .values([
          { user_id: 'a', locked_at: 1 },
          { user_id: 'b', locked_at: 2 },
        ])
        .execute();
      const lockedAt = compileOnce(db, 1, (userId: string) =>
        db.selectFrom('jwtgate_session_locks').select('locked_at').where('user_id', '=', userId),
      );
      expect((await lockedAt('a')).rows).toEqual([{ locked_at: 1 }]);
      expect((await lockedAt('b')).rows).toEqual([{ locked_at: 2 }]);
      expect((await lockedAt('nobody')).rows).toEqual([]);
      const touch = compileOnce(db, 2, (userId: string, at: number) =>
        db
          .updateTable('jwtgate_session_locks')
          .set({ locked_at: at })
          .where('user_id', '=', userId)
          .where('locked_at', '<', at),
      );
      expect((await touch('a', 5)).numAffectedRows).toBe(1n);
      expect((await touch('a', 5)).numAffectedRows).toBe(0n);
      expect((await lockedAt('a')).rows).toEqual([{ locked_at: 5 }]);
    } finally {
      await close();
    }
  });

  it('refuses a query that leaves an argument out or binds a value of its own', async () => {
    const { db, close } = await openMemoryDatabase();
    try {
      const unused = compileOnce(db, 2, (userId: string, _at: number) =>
        db.selectFrom('jwtgate_session_locks').selectAll().where('user_id', '=', userId),
      );
      await expect(async () => unused('a', 1)).rejects.toThrow(/argument 1 is not bound/);
      const literal = compileOnce(db, 1, (userId: string) =>
        db.selectFrom('jwtgate_session_locks').selectAll().where('user_id', '=', userId).where('locked_at', '>', 0),
      );
      await expect(async () => literal('a')).rejects.toThrow(/a value other than the arguments/);
    } finally {
      await close();
    }
  });
});
