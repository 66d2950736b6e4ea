import { join } from 'node:path';
import {
  runAttemptStoreSuite,
  runAuditStoreSuite,
  runEmailStoreSuite,
  runLoginChallengeStoreSuite,
  runMfaStoreSuite,
  runPasskeyChallengeStoreSuite,
  runPasskeyStoreSuite,
  runSessionStoreSuite,
  runUserStoreSuite,
} from '@jwtgate/core/testing';
import { migrateToLatest } from '../../src/stores/sql/migrations.js';
import { openSqlDatabase } from '../../src/stores/sql/open-database.js';
import { createSqlAttemptStore } from '../../src/stores/sql/sql-attempt-store.js';
import { createSqlAuditStore } from '../../src/stores/sql/sql-audit-store.js';
import { createSqlEmailStore } from '../../src/stores/sql/sql-email-store.js';
import { createSqlLoginChallengeStore } from '../../src/stores/sql/sql-login-challenge-store.js';
import { createSqlMfaStore } from '../../src/stores/sql/sql-mfa-store.js';
import { createSqlPasskeyChallengeStore } from '../../src/stores/sql/sql-passkey-challenge-store.js';
import { createSqlPasskeyStore } from '../../src/stores/sql/sql-passkey-store.js';
import { createSqlSessionStore } from '../../src/stores/sql/sql-session-store.js';
import { createSqlUserStore } from '../../src/stores/sql/sql-user-store.js';
import { makeTempDir } from '../support/temp-dir.js';

async function openTempSqlite() {
  const dir = makeTempDir();
  const database = openSqlDatabase({ url: `sqlite:${join(dir.path, 'test.db')}`, timeoutMs: 1000 });
  await migrateToLatest(database.db);
  return {
    db: database.db,
    close: async () => {
      await database.close();
      dir.remove();
    },
  };
}

runSessionStoreSuite('sqlite', async () => {
  const { db, close } = await openTempSqlite();
  return { store: createSqlSessionStore(db), close };
});

runUserStoreSuite('sqlite', async () => {
  const { db, close } = await openTempSqlite();
  const factors = { mfa: createSqlMfaStore(db), passkeys: createSqlPasskeyStore(db) };
  return { store: createSqlUserStore(db), factors, close };
});

runAttemptStoreSuite('sqlite', async () => {
  const { db, close } = await openTempSqlite();
  return { store: createSqlAttemptStore(db, 'sqlite'), close };
});

runAuditStoreSuite('sqlite', async () => {
  const { db, close } = await openTempSqlite();
  return { store: createSqlAuditStore(db), close };
});

runEmailStoreSuite('sqlite', async () => {
  const { db, close } = await openTempSqlite();
  return { store: createSqlEmailStore(db), close };
});

runMfaStoreSuite('sqlite', async () => {
  const { db, close } = await openTempSqlite();
  return { store: createSqlMfaStore(db), passkeys: createSqlPasskeyStore(db), close };
});

runLoginChallengeStoreSuite('sqlite', async () => {
  const { db, close } = await openTempSqlite();
  return { store: createSqlLoginChallengeStore(db), close };
});

runPasskeyStoreSuite('sqlite', async () => {
  const { db, close } = await openTempSqlite();
  return { store: createSqlPasskeyStore(db), close };
});

runPasskeyChallengeStoreSuite('sqlite', async () => {
  const { db, close } = await openTempSqlite();
  return { store: createSqlPasskeyChallengeStore(db), close };
});
