import type { JwtgateConfig } from '../config/config.js';
import { migrateDatabase } from '../stores/sql/migrate-database.js';

/** `jwtgate migrate`: brings the schema up to date and exits. */
export async function migrateCommand(config: JwtgateConfig): Promise<void> {
  const applied = await migrateDatabase(config.database);
  process.stdout.write(applied.length === 0 ? 'schema is up to date\n' : `applied: ${applied.join(', ')}\n`);
}
