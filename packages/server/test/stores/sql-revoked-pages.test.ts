import { join } from 'node:path';
import { buildSessionRecord } from '@jwtgate/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/stores/sql/migrations.js';
import { openSqlDatabase, type SqlDatabase } from '../../src/stores/sql/open-database.js';
import { createSqlSessionStore, toRow } from '../../src/stores/sql/sql-session-store.js';
import { openMigratedTestDatabase } from '../support/databases.js';
import { describeWithService } from '../support/services.js';
import { makeTempDir } from '../support/temp-dir.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');

/** Revoked sessions: `count` spread over distinct times, plus `sameInstant` ended by one revoke-all. */
function revokedSessions(count: number, sameInstant: number) {
  const sessions = [];
  for (let i = 0; i < count; i += 1) {
    sessions.push(
      buildSessionRecord(`user-${i % 50}`, { revokedAt: NOW - 60_000 + (i % 997), revokeReason: 'logout' }),
    );
  }
  for (let i = 0; i < sameInstant; i += 1) {
    sessions.push(buildSessionRecord('user-mass', { revokedAt: NOW - 30_000, revokeReason: 'user-disabled' }));
  }
  return sessions;
}

async function insertRows(database: SqlDatabase, sessions: ReturnType<typeof revokedSessions>) {
  await database.db.transaction().execute(async (trx) => {
    for (let start = 0; start < sessions.length; start += 400) {
      await trx
        .insertInto('jwtgate_sessions')
        .values(sessions.slice(start, start + 400).map(toRow))
        .execute();
    }
  });
}

function describeRevokedPages(
  kind: 'sqlite' | 'postgres' | 'mysql',
  open: () => Promise<{ database: SqlDatabase; close(): Promise<void> }>,
) {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it(`lists every revoked session once across pages, a revoke-all larger than a page included (${kind})`, async () => {
    const opened = await open();
    close = opened.close;
    const sessions = revokedSessions(40, 17);
    // One live session and one revoked before the window: neither is listed.
    sessions.push(buildSessionRecord('user-live'));
    sessions.push(buildSessionRecord('user-old', { revokedAt: NOW - 10 * 60_000, revokeReason: 'logout' }));
    await insertRows(opened.database, sessions);
    const store = createSqlSessionStore(opened.database.db, { timeoutMs: 5_000, revokedPageSize: 7 });
    const listed = await store.listRevokedSince(NOW - 5 * 60_000);
    const ids = listed.map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(
      sessions
        .slice(0, 57)
        .map((s) => s.id)
        .sort(),
    );
    const mass = listed.filter((row) => row.userId === 'user-mass');
    expect(mass).toHaveLength(17);
    expect(mass.every((row) => row.revokedAt === NOW - 30_000)).toBe(true);
  });
}

describe('listing revoked sessions in pages', () => {
  describeRevokedPages('sqlite', async () => {
    const dir = makeTempDir();
    const database = openSqlDatabase({ url: `sqlite:${join(dir.path, 'test.db')}`, timeoutMs: 1000 });
    await migrateToLatest(database.db);
    return {
      database,
      close: async () => {
        await database.close();
        dir.remove();
      },
    };
  });

  it('gives the event loop back between pages while reading 60,000 revoked sessions from SQLite', async () => {
    const dir = makeTempDir();
    const database = openSqlDatabase({ url: `sqlite:${join(dir.path, 'test.db')}`, timeoutMs: 1000 });
    try {
      await migrateToLatest(database.db);
      await insertRows(database, revokedSessions(60_000, 0));
      const store = createSqlSessionStore(database.db);
      let turns = 0;
      let counting = true;
      const turn = () => {
        turns += 1;
        if (counting) setImmediate(turn);
      };
      setImmediate(turn);
      const listed = await store.listRevokedSince(NOW - 5 * 60_000);
      counting = false;
      expect(listed).toHaveLength(60_000);
      // SQLite answers synchronously: one query for all rows would let the loop turn once or twice.
      expect(turns).toBeGreaterThanOrEqual(6);
    } finally {
      await database.close();
      dir.remove();
    }
  }, 60_000);
});

for (const kind of ['postgres', 'mysql'] as const) {
  describeWithService(kind)(`listing revoked sessions in pages on ${kind}`, () => {
    describeRevokedPages(kind, () => openMigratedTestDatabase(kind));
  });
}
