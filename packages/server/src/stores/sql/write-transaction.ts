import { type Kysely, SqliteAdapter, sql } from 'kysely';

/**
 * Runs `work` in a transaction that may read, decide and write as one step.
 * On SQLite it begins with `BEGIN IMMEDIATE`: the database's write lock is
 * taken before the first read (waiting up to the busy timeout for another
 * process's writer), so nothing can change between what `work` reads and
 * what it writes, across processes too. A deferred transaction would read a
 * snapshot and then fail on its first write if another process wrote since.
 * On PostgreSQL and MySQL/MariaDB it is an ordinary transaction: `work` takes
 * the row locks it needs (`SELECT … FOR UPDATE`), see {@link isSqlite}.
 *
 * @example
 * await writeTransaction(db, async (trx) => { ... });
 */
export async function writeTransaction<DB, T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  if (!isSqlite(db)) return db.transaction().execute(work);
  // One connection for the whole transaction: the dialect's single connection, held until released.
  return db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const result = await work(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => {});
      throw error;
    }
  });
}

/**
 * Whether `db` is SQLite, whose transactions on a database run one at a
 * time: it has no `FOR UPDATE`, and needs none inside {@link writeTransaction}.
 *
 * @example
 * const rows = await (isSqlite(trx) ? query : query.forUpdate()).execute();
 */
export function isSqlite<DB>(db: Kysely<DB>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}
