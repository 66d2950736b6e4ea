import { statSync } from 'node:fs';
import { join } from 'node:path';
import { buildUserRecord } from '@jwtgate/core/testing';
import { describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/stores/sql/migrate-database.js';
import { openSqlDatabase } from '../../src/stores/sql/open-database.js';
import { createSqlUserStore } from '../../src/stores/sql/sql-user-store.js';
import { makeTempDir } from '../support/temp-dir.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the embedded SQLite database', () => {
  it('is created readable by its owner only, with its folder and its WAL, whatever the umask', async () => {
    const dir = makeTempDir();
    const previous = process.umask(0o022);
    try {
      const folder = join(dir.path, 'data');
      const path = join(folder, 'jwtgate.db');
      const database = openSqlDatabase({ url: `sqlite:${path}`, timeoutMs: 1000 });
      try {
        await migrateDatabase({ url: `sqlite:${path}`, timeoutMs: 1000 }, database);
        await createSqlUserStore(database.db).create(buildUserRecord());
        expect(modeOf(folder)).toBe(0o700);
        expect(modeOf(path)).toBe(0o600);
        expect(modeOf(`${path}-wal`)).toBe(0o600);
      } finally {
        await database.close();
      }
    } finally {
      process.umask(previous);
      dir.remove();
    }
  });
});
