import { join } from 'node:path';
import { buildInvitation, buildSessionRecord, buildUserRecord } from '@jwtgate/core/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/stores/sql/migrate-database.js';
import { createMigrator, knownMigrations, migrateToLatest } from '../../src/stores/sql/migrations.js';
import { openSqlDatabase, type SqlDatabase } from '../../src/stores/sql/open-database.js';
import { createSqlInvitationStore } from '../../src/stores/sql/sql-invitation-store.js';
import { createSqlSessionStore, toRow } from '../../src/stores/sql/sql-session-store.js';
import { createSqlUserStore } from '../../src/stores/sql/sql-user-store.js';
import { createTestDatabase } from '../support/databases.js';
import { serviceUrl } from '../support/services.js';
import { runCli, useProcessSandbox } from '../support/spawn-server.js';
import { makeTempDir } from '../support/temp-dir.js';

type Kind = 'sqlite' | 'postgres' | 'mysql';

/** A fresh, empty database of each kind, and a way to open more connections to it. */
async function emptyDatabase(kind: Kind): Promise<{ open(): SqlDatabase; drop(): Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = makeTempDir();
    const url = `sqlite:${join(dir.path, 'jwtgate.db')}`;
    return { open: () => openSqlDatabase({ url, timeoutMs: 5_000 }), drop: async () => dir.remove() };
  }
  const created = await createTestDatabase(kind);
  return { open: () => openSqlDatabase({ url: created.url, timeoutMs: 5_000, poolSize: 2 }), drop: created.drop };
}

const kinds: Kind[] = ['sqlite', ...(['postgres', 'mysql'] as const).filter((kind) => serviceUrl(kind) !== undefined)];

describe.each(kinds)('schema migrations on %s', (kind) => {
  it('upgrades a database made by the first version without losing a user or a session', async () => {
    const empty = await emptyDatabase(kind);
    const database = empty.open();
    try {
      const first = await createMigrator(database.db).migrateTo('0001_users_and_sessions');
      expect(first.error).toBeUndefined();
      const user = buildUserRecord();
      const session = buildSessionRecord(user.id, { generation: 7 });
      // The first version's own inserts: the lock table, credential versions and the email columns did not exist yet.
      await database.db
        .insertInto('jwtgate_users')
        .values({
          id: user.id,
          username: user.username,
          username_key: user.usernameKey,
          password_hash: user.passwordHash,
          role: user.role,
          disabled: 0,
          created_at: user.createdAt,
          updated_at: user.updatedAt,
        })
        .execute();
      // Nor did how a session was signed in to (0012): such sessions read back as password logins.
      const { amr: _amr, auth_time: _authTime, credential_version: _version, ...firstVersionRow } = toRow(session);
      await database.db.insertInto('jwtgate_sessions').values(firstVersionRow).execute();

      expect(await migrateToLatest(database.db)).toEqual(knownMigrations.slice(1));
      // Existing users carry on without an address, and can be given one.
      const users = createSqlUserStore(database.db);
      expect(await users.findById(user.id)).toEqual(user);
      const email = `${user.usernameKey}@example.com`;
      expect(await users.update(user.id, { email: { email, emailKey: email }, updatedAt: user.updatedAt + 1 })).toEqual(
        { ...user, email, emailKey: email, updatedAt: user.updatedAt + 1 },
      );
      expect((await users.findByEmailKey(email))?.id).toBe(user.id);
      const sessions = createSqlSessionStore(database.db);
      expect(await sessions.get(session.id)).toEqual(session);
      // And the upgraded schema works for what needed the new migration.
      const next = buildSessionRecord(user.id);
      expect(await sessions.create(next, { now: Date.now(), maxActive: 1 })).toEqual([
        { id: session.id, userId: user.id, revokedAt: expect.any(Number) },
      ]);
      expect(await migrateToLatest(database.db)).toEqual([]);
    } finally {
      await database.close();
      await empty.drop();
    }
  });

  it('keeps every invitation through 0022, and lets one be made without an administrator after it', async () => {
    const empty = await emptyDatabase(kind);
    const database = empty.open();
    try {
      const before = knownMigrations[knownMigrations.indexOf('0022_invitations_created_by_nullable') - 1] as string;
      expect((await createMigrator(database.db).migrateTo(before)).error).toBeUndefined();
      const store = createSqlInvitationStore(database.db);
      const made = buildInvitation();
      const revoked = buildInvitation({ revokedAt: made.createdAt + 1 });
      await store.create(made, null);
      await store.create(revoked, null);
      await expect(store.create(buildInvitation({ createdBy: null }), null)).rejects.toThrow();

      expect(await migrateToLatest(database.db)).toContain('0022_invitations_created_by_nullable');
      const byCli = buildInvitation({ createdBy: null, createdAt: made.createdAt + 2 });
      await store.create(byCli, null);
      const page = await store.list({ now: made.createdAt, limit: 10 });
      expect(page.invitations).toEqual(
        [byCli, revoked, made].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1)),
      );
      expect(await store.findLive(made.linkHash, made.createdAt)).toEqual(made);
      // The link hash stays unique after the rebuild.
      await expect(store.create(buildInvitation({ linkHash: made.linkHash }), null)).rejects.toThrow();
    } finally {
      await database.close();
      await empty.drop();
    }
  });

  it('lets several instances migrate a fresh database at the same time, each step applied once', async () => {
    const empty = await emptyDatabase(kind);
    const instances = [empty.open(), empty.open(), empty.open()];
    try {
      const applied = await Promise.all(instances.map((instance) => migrateToLatest(instance.db)));
      expect(applied.flat().sort()).toEqual([...knownMigrations]);
      const check = instances[0] as SqlDatabase;
      const user = buildUserRecord();
      await createSqlUserStore(check.db).create(user);
      expect(await createSqlUserStore(check.db).findById(user.id)).toEqual(user);
    } finally {
      await Promise.all(instances.map((instance) => instance.close()));
      await empty.drop();
    }
  });
});

describe.skipIf(serviceUrl('postgres') === undefined)('jwtgate migrate', () => {
  const dir = useProcessSandbox('jwtgate-migrate-');

  it('applies every migration to a PostgreSQL database once, then finds it up to date', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const env = { JWTGATE_DATABASE_URL: database.url };
      const first = await runCli(['migrate'], { cwd: dir.path, env });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toBe(`applied: ${knownMigrations.join(', ')}\n`);
      const second = await runCli(['migrate'], { cwd: dir.path, env });
      expect(second.stdout).toBe('schema is up to date\n');
      // The password in a database URL never reaches the output, even when the URL is wrong.
      const wrong = await runCli(['migrate'], {
        cwd: dir.path,
        env: {
          JWTGATE_DATABASE_URL: 'postgres://root:hunter2-secret@127.0.0.1:1/nowhere',
          JWTGATE_DATABASE_TIMEOUT: '200',
        },
      });
      expect(wrong.code).not.toBe(0);
      expect(`${wrong.stdout}${wrong.stderr}`).not.toContain('hunter2-secret');
    } finally {
      await database.drop();
    }
  });
});

describe.skipIf(serviceUrl('postgres') === undefined)('migrations under a short Database.Timeout', () => {
  it("wait for another instance's long migration on PostgreSQL instead of failing after the request timeout", async () => {
    const database = await createTestDatabase('postgres');
    // Kysely's migration lock on PostgreSQL (an advisory lock with this id), held the way a slow migration elsewhere holds it.
    const lockId = '3853314791062309107';
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query(`select pg_advisory_lock(${lockId})`);
      const started = performance.now();
      const migrating = migrateDatabase({ url: database.url, timeoutMs: 200 });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await other.query(`select pg_advisory_unlock(${lockId})`);
      expect(await migrating).toEqual([...knownMigrations]);
      expect(performance.now() - started).toBeGreaterThan(900);
    } finally {
      await other.end();
      await database.drop();
    }
  });
});
