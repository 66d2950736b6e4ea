import type { JwtgateConfig } from '../config/config.js';
import { migrateToLatest } from '../stores/sql/migrations.js';
import { openSqlDatabase } from '../stores/sql/open-database.js';

/** `jwtgate migrate`: brings the schema up to date and exits. */
export async function migrateCommand(config: JwtgateConfig): Promise<void> {
  const database = openSqlDatabase({
    url: config.database.url,
    timeoutMs: config.database.timeoutMs,
    poolSize: config.database.poolSize,
  });
  try {
    const applied = await migrateToLatest(database.db);
    process.stdout.write(applied.length === 0 ? 'schema is up to date\n' : `applied: ${applied.join(', ')}\n`);
  } finally {
    await database.close();
  }
}
