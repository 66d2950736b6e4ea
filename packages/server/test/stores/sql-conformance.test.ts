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
import { describe } from 'vitest';
import { createSqlAttemptStore } from '../../src/stores/sql/sql-attempt-store.js';
import { createSqlAuditStore } from '../../src/stores/sql/sql-audit-store.js';
import { createSqlEmailStore } from '../../src/stores/sql/sql-email-store.js';
import { createSqlLoginChallengeStore } from '../../src/stores/sql/sql-login-challenge-store.js';
import { createSqlMfaStore } from '../../src/stores/sql/sql-mfa-store.js';
import { createSqlPasskeyChallengeStore } from '../../src/stores/sql/sql-passkey-challenge-store.js';
import { createSqlPasskeyStore } from '../../src/stores/sql/sql-passkey-store.js';
import { createSqlSessionStore } from '../../src/stores/sql/sql-session-store.js';
import { createSqlUserStore } from '../../src/stores/sql/sql-user-store.js';
import { openMigratedTestDatabase } from '../support/databases.js';
import { describeWithService } from '../support/services.js';

for (const kind of ['postgres', 'mysql'] as const) {
  describeWithService(kind)(`the SQL stores on ${kind === 'postgres' ? 'PostgreSQL' : 'MariaDB'}`, () => {
    runSessionStoreSuite(kind, async () => {
      const { database, close } = await openMigratedTestDatabase(kind);
      return { store: createSqlSessionStore(database.db, { timeoutMs: 5_000 }), close };
    });

    runUserStoreSuite(kind, async () => {
      const { database, close } = await openMigratedTestDatabase(kind);
      const factors = { mfa: createSqlMfaStore(database.db), passkeys: createSqlPasskeyStore(database.db) };
      return { store: createSqlUserStore(database.db, { timeoutMs: 5_000 }), factors, close };
    });

    runAttemptStoreSuite(kind, async () => {
      const { database, close } = await openMigratedTestDatabase(kind);
      return { store: createSqlAttemptStore(database.db, database.dialect, { timeoutMs: 5_000 }), close };
    });

    runEmailStoreSuite(kind, async () => {
      const { database, close } = await openMigratedTestDatabase(kind);
      return { store: createSqlEmailStore(database.db, { timeoutMs: 5_000 }), close };
    });

    runAuditStoreSuite(kind, async () => {
      const { database, close } = await openMigratedTestDatabase(kind);
      return { store: createSqlAuditStore(database.db, { timeoutMs: 5_000 }), close };
    });

    runMfaStoreSuite(kind, async () => {
      const { database, close } = await openMigratedTestDatabase(kind);
      return {
        store: createSqlMfaStore(database.db, { timeoutMs: 5_000 }),
        passkeys: createSqlPasskeyStore(database.db, { timeoutMs: 5_000 }),
        close,
      };
    });

    runLoginChallengeStoreSuite(kind, async () => {
      const { database, close } = await openMigratedTestDatabase(kind);
      return { store: createSqlLoginChallengeStore(database.db, { timeoutMs: 5_000 }), close };
    });

    runPasskeyStoreSuite(kind, async () => {
      const { database, close } = await openMigratedTestDatabase(kind);
      return { store: createSqlPasskeyStore(database.db, { timeoutMs: 5_000 }), close };
    });

    runPasskeyChallengeStoreSuite(kind, async () => {
      const { database, close } = await openMigratedTestDatabase(kind);
      return { store: createSqlPasskeyChallengeStore(database.db, { timeoutMs: 5_000 }), close };
    });
  });
}

// Keeps vitest from reporting an empty file when no service is configured outside CI.
describe.skip('placeholder', () => {});
