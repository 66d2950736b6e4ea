import { migrateToLatest } from './migrations.js';
import { openSqlDatabase, type SqlDatabase } from './open-database.js';

/**
 * How long one migration statement may run, waiting for another instance's
 * migration included: far longer than a request should wait, still bounded.
 */
export const MIGRATION_STATEMENT_TIMEOUT_MS = 10 * 60_000;

/**
 * Brings the schema at `url` up to date, on a connection of its own whose
 * statements may take as long as a migration needs rather than
 * `Database.Timeout` (which still bounds connecting). SQLite migrates on the
 * handle it is given, if any: a second handle on `sqlite::memory:` would be
 * another database.
 *
 * @example
 * const applied = await migrateDatabase({ url: config.database.url, timeoutMs: config.database.timeoutMs });
 */
export async function migrateDatabase(
  options: { readonly url: string; readonly timeoutMs: number },
  open?: SqlDatabase,
): Promise<readonly string[]> {
  if (open?.dialect === 'sqlite') return migrateToLatest(open.db);
  const database = openSqlDatabase({
    url: options.url,
    timeoutMs: options.timeoutMs,
    poolSize: 1,
    statementTimeoutMs: MIGRATION_STATEMENT_TIMEOUT_MS,
  });
  try {
    return await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
}
