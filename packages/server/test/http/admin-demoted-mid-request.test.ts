import type { LightMyRequestResponse } from 'fastify';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, type BackendPlace, backendAvailable, everyBackend, openBackend } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

type Account = Awaited<ReturnType<TestServer['signUp']>>;

/** A consequential administration request against `target`, and what it would change. */
interface AdminWrite {
  readonly name: string;
  /** Puts the target in the state the request would change (an account to enable must be disabled). */
  readonly prepare?: (t: TestServer, target: Account) => Promise<void>;
  readonly method: 'POST' | 'PATCH' | 'DELETE';
  readonly url: (target: Account) => string;
  readonly body?: unknown;
}

const writes: readonly AdminWrite[] = [
  { name: 'a role change', method: 'PATCH', url: (u) => `/admin/users/${u.userId}`, body: { role: 'admin' } },
  {
    name: 'a metadata change',
    method: 'PATCH',
    url: (u) => `/admin/users/${u.userId}`,
    body: { appMetadata: { plan: 'gold' } },
  },
  { name: 'disabling', method: 'POST', url: (u) => `/admin/users/${u.userId}/disable` },
  {
    name: 'enabling',
    prepare: async (t, u) => {
      await t.server.users.update(u.userId, { disabled: true, updatedAt: t.clock.now() });
    },
    method: 'POST',
    url: (u) => `/admin/users/${u.userId}/enable`,
  },
  { name: 'a deletion', method: 'DELETE', url: (u) => `/admin/users/${u.userId}` },
  { name: 'signing the user out', method: 'POST', url: (u) => `/admin/users/${u.userId}/logout` },
  { name: 'a second-factor reset', method: 'DELETE', url: (u) => `/admin/users/${u.userId}/mfa` },
  {
    name: 'an invitation',
    method: 'POST',
    url: () => '/admin/invitations',
    body: { email: 'invited@example.com', role: 'admin' },
  },
];

/**
 * The hold on the acting administrator: their demotion, made by another
 * administrator in a transaction the test keeps open, so that it lands
 * while the request runs, after the request's own check at its start.
 */
interface Demotion {
  begin(adminId: string): Promise<void>;
  /** Resolves once a statement of the server waits for the demotion's row lock. */
  waited(): Promise<void>;
  commit(): Promise<void>;
  close(): Promise<void>;
}

async function pgDemotion(url: string): Promise<Demotion> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const waiting = async () =>
    (
      await db.query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      )
    ).rows[0]?.n;
  return {
    async begin(adminId) {
      await db.query('begin');
      await db.query(
        "update jwtgate_users set role = 'user', credential_version = credential_version + 1 where id = $1",
        [adminId],
      );
    },
    waited: () => expect.poll(waiting, { timeout: 8_000, interval: 20 }).toBeGreaterThan(0),
    commit: async () => void (await db.query('commit')),
    close: () => db.end(),
  };
}

async function mysqlDemotion(url: string): Promise<Demotion> {
  const db = await mysql.createConnection(url);
  // The server's locking read of the administrators, still running: it waits for the demotion's row lock
  // (information_schema.innodb_trx lists such a wait only some time after it began).
  const waiting = async () => {
    const [rows] = await db.query(
      "select count(*) as n from information_schema.processlist where db = database() and id <> connection_id() and info like '%jwtgate_users%for update'",
    );
    return Number((rows as { n: number }[])[0]?.n);
  };
  return {
    async begin(adminId) {
      await db.query('begin');
      await db.query(
        "update jwtgate_users set role = 'user', credential_version = credential_version + 1 where id = ?",
        [adminId],
      );
    },
    waited: () => expect.poll(waiting, { timeout: 8_000, interval: 20 }).toBeGreaterThan(0),
    commit: async () => void (await db.query('commit')),
    close: () => db.end(),
  };
}

/** What the request could have changed about the target, to show it changed nothing. */
async function stateOf(t: TestServer, target: Account) {
  const invitations = await t.server.database.db
    .selectFrom('jwtgate_invitations')
    .select(['email', 'role'])
    .where('email', '=', 'invited@example.com')
    .execute();
  return {
    user: await t.server.users.findById(target.userId),
    sessions: (await t.server.sessions.list(target.userId)).map((s) => s.id),
    invitations,
  };
}

async function deniedRecords(t: TestServer, adminId: string) {
  await t.server.flushAudit();
  return t.server.database.db
    .selectFrom('jwtgate_audit')
    .select(['event', 'user_id'])
    .where('event', '=', 'admin.access-denied')
    .where('user_id', '=', adminId)
    .execute();
}

const env = {
  JWTGATE_AUDIT_DATABASE: 'true',
  // Room for the test to see the write wait for the demotion's lock (MariaDB's lock waits count in whole seconds).
  JWTGATE_DATABASE_TIMEOUT: '10000',
  JWTGATE_MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};

/** A server on `backend`, an administrator who is about to be demoted, and the target of their requests. */
function onBackend(backend: Backend) {
  let place: BackendPlace;
  let t: TestServer;
  const setUp = async () => {
    place = await openBackend(backend);
    t = await startTestServer({
      ...(place.dataDir === undefined ? {} : { dataDir: place.dataDir }),
      env: { ...place.env, ...env },
    });
  };
  const tearDown = async () => {
    await t?.close();
    await place?.remove();
  };
  /** A fresh administrator (and a second one, so the demotion never meets the last-admin rule) and a target. */
  const actors = async () => {
    const [admin, other, target] = [await t.signUp(), await t.signUp(), await t.signUp()];
    for (const id of [admin.userId, other.userId]) {
      await t.server.users.update(id, { role: 'admin', updatedAt: t.clock.now() });
    }
    return { admin, target };
  };
  const send = (write: AdminWrite, admin: Account, target: Account): Promise<LightMyRequestResponse> =>
    t.request({
      method: write.method,
      url: write.url(target),
      token: admin.accessToken,
      ...(write.body === undefined ? {} : { body: { ...(write.body as object) } }),
    });
  return { setUp, tearDown, actors, send, server: () => t, place: () => place };
}

for (const backend of everyBackend.filter((b) => b.kind !== 'sqlite')) {
  describe.runIf(backendAvailable(backend))(
    `an administrator demoted while their request runs, on ${backend.name}`,
    () => {
      const on = onBackend(backend);
      beforeAll(on.setUp);
      afterAll(on.tearDown);

      for (const write of writes) {
        it(`refuses ${write.name} written after the demotion committed, changing nothing, and audits it`, async () => {
          const t = on.server();
          const { admin, target } = await on.actors();
          await write.prepare?.(t, target);
          const before = await stateOf(t, target);
          const url = on.place().env.JWTGATE_DATABASE_URL as string;
          const demotion = backend.kind === 'postgres' ? await pgDemotion(url) : await mysqlDemotion(url);
          try {
            await demotion.begin(admin.userId);
            // The request's check at its start reads the committed row (still an administrator) and passes;
            // its write then waits for the demotion's lock on the administrator's row.
            const answer = on.send(write, admin, target);
            await demotion.waited();
            await demotion.commit();
            const res = await answer;
            expect(res.statusCode, res.body).toBe(403);
            expect(res.json().error.code).toBe('ERR_FORBIDDEN');
          } finally {
            await demotion.close();
          }
          expect(await stateOf(t, target)).toEqual(before);
          expect(await deniedRecords(t, admin.userId)).toHaveLength(1);
        });
      }
    },
  );
}

describe('an administrator demoted while their request runs, on SQLite', () => {
  const on = onBackend(everyBackend.find((b) => b.kind === 'sqlite') as Backend);
  beforeAll(on.setUp);
  afterAll(on.tearDown);

  for (const write of writes) {
    it(`refuses ${write.name} when the demotion lands between the check at the start and the write`, async () => {
      const t = on.server();
      const { admin, target } = await on.actors();
      await write.prepare?.(t, target);
      const before = await stateOf(t, target);
      // SQLite runs one writer at a time and its driver blocks the process while it waits, so no lock can
      // hold the race open here: the demotion is made right after the request's check at its start has read
      // the administrator's row (the next read of it by id), before anything of the request is written.
      const users = t.server.users;
      const findById = users.findById;
      users.findById = async (id) => {
        const found = await findById(id);
        if (id === admin.userId) {
          users.findById = findById;
          await users.update(id, { role: 'user', updatedAt: t.clock.now(), bumpCredentialVersion: true });
        }
        return found;
      };
      try {
        const res = await on.send(write, admin, target);
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json().error.code).toBe('ERR_FORBIDDEN');
      } finally {
        users.findById = findById;
      }
      expect(await stateOf(t, target)).toEqual(before);
      expect(await deniedRecords(t, admin.userId)).toHaveLength(1);
    });
  }

  it('lets exactly one of two administrators demoting each other at once succeed, and keeps an administrator', async () => {
    const t = on.server();
    const [a, b] = [await t.signUp(), await t.signUp()];
    const admins = (await t.server.database.db
      .selectFrom('jwtgate_users')
      .select('id')
      .where('role', '=', 'admin')
      .where('disabled', '=', 0)
      .execute()) as { id: string }[];
    // Only these two: every other administrator of earlier tests steps down first.
    for (const { id } of admins) await t.server.users.update(id, { role: 'user', updatedAt: t.clock.now() });
    for (const id of [a.userId, b.userId]) await t.server.users.update(id, { role: 'admin', updatedAt: t.clock.now() });
    const [ab, ba] = await Promise.all([
      t.request({ method: 'PATCH', url: `/admin/users/${b.userId}`, token: a.accessToken, body: { role: 'user' } }),
      t.request({ method: 'PATCH', url: `/admin/users/${a.userId}`, token: b.accessToken, body: { role: 'user' } }),
    ]);
    expect([ab.statusCode, ba.statusCode].sort()).toEqual([200, 403]);
    const left = await Promise.all([a, b].map((u) => t.server.users.findById(u.userId)));
    expect(left.filter((u) => u?.role === 'admin')).toHaveLength(1);
  });
});
