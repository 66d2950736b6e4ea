import { systemClock } from '@jwtgate/core';
import { buildAuditRecord } from '@jwtgate/core/testing';
import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createAuditWriter } from '../../src/audit/audit-writer.js';
import { openSqlDatabase, type SqlDatabase } from '../../src/stores/sql/open-database.js';
import { createSqlAuditStore } from '../../src/stores/sql/sql-audit-store.js';
import { createTestDatabase, openMigratedTestDatabase, type TestDatabase } from '../support/databases.js';
import { captureLog } from '../support/log-capture.js';
import { describeWithService } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const TIMEOUT_MS = 500;
/** Long enough that a login held up by the locked audit table could not pass for a quick one. */
const LOCKED_TIMEOUT_MS = 2_500;

describeWithService('postgres')('the audit trail while PostgreSQL is unreachable', () => {
  let migrated: Awaited<ReturnType<typeof openMigratedTestDatabase>>;
  let proxy: TcpProxy;
  let throughProxy: SqlDatabase;
  beforeEach(async () => {
    migrated = await openMigratedTestDatabase('postgres');
    const url = new URL(migrated.url);
    proxy = await startTcpProxy(Number(url.port));
    url.port = String(proxy.port);
    throughProxy = openSqlDatabase({ url: url.toString(), timeoutMs: TIMEOUT_MS, poolSize: 2 });
  });
  afterEach(async () => {
    await throughProxy?.close();
    await proxy?.close();
    await migrated?.close();
  });

  it('keeps records queued, retries, writes them once it is back, and drops only the oldest past the bound', async () => {
    const failures: boolean[] = [];
    const drops: [number, boolean][] = [];
    const recovered: number[] = [];
    const writer = createAuditWriter({
      store: createSqlAuditStore(throughProxy.db, { timeoutMs: TIMEOUT_MS }),
      maxQueue: 5,
      retryMs: 50,
      maxRetryMs: 200,
      onWriteFailed: (_error, first) => failures.push(first),
      onDropped: (count, first) => drops.push([count, first]),
      onRecovered: (dropped) => recovered.push(dropped),
    });
    const userId = 'outage-user';
    const records = Array.from({ length: 8 }, (_, i) => buildAuditRecord({ userId, at: 1_700_000_000_000 + i }));

    proxy.cut('refuse');
    for (const record of records) writer.write(record);
    await writer.flush();
    // Retries run on their own with back-off, each failing while the database is away.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(failures[0]).toBe(true);
    expect(failures.length).toBeGreaterThan(1);
    expect(failures.slice(1).every((first) => !first)).toBe(true);
    expect(drops.reduce((sum, [count]) => sum + count, 0)).toBe(3);
    expect(drops.filter(([, first]) => first)).toHaveLength(1);
    expect(writer.pending).toBe(5);

    proxy.restore();
    const deadline = Date.now() + 5_000;
    while (writer.pending > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(writer.pending).toBe(0);
    expect(recovered).toEqual([3]);
    const stored = await createSqlAuditStore(migrated.database.db).query({ userId, limit: 50 });
    // The newest five: the bound gave up the oldest, never the latest.
    expect(stored.records.map((r) => r.id)).toEqual(
      records
        .slice(3)
        .reverse()
        .map((r) => r.id),
    );
    expect(await writer.close(1_000)).toBe(0);
  });
});

describeWithService('postgres')('a server whose audit table is locked', () => {
  let database: TestDatabase;
  let t: TestServer;
  let locker: pg.Client | undefined;
  const log = captureLog();
  beforeEach(async () => {
    database = await createTestDatabase('postgres');
    t = await startTestServer({
      clock: systemClock,
      env: { JWTGATE_DATABASE_URL: database.url, JWTGATE_DATABASE_TIMEOUT: String(LOCKED_TIMEOUT_MS) },
      logger: { level: 'warn', stream: log.stream },
    });
  });
  afterEach(async () => {
    await locker?.end();
    await t?.close();
    await database?.drop();
  });

  it('answers GET /admin/audit with 503 while logins still work, and writes their records once it is free', async () => {
    const admin = await t.signUp();
    await t.server.users.update(admin.userId, { role: 'admin', updatedAt: Date.now() });
    const adminToken = (await t.login(admin.username, admin.password)).accessToken;
    await t.server.flushAudit();

    locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table jwtgate_audit in access exclusive mode');

    const user = await t.signUp();
    const started = Date.now();
    const loginAgain = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: user.username, password: user.password },
    });
    expect(loginAgain.statusCode).toBe(200);
    // The login waits for nothing the audit table does.
    expect(Date.now() - started).toBeLessThan(LOCKED_TIMEOUT_MS - 1_000);

    const audit = await t.request({ method: 'GET', url: `/admin/audit?userId=${user.userId}`, token: adminToken });
    expect(audit.statusCode).toBe(503);
    expect(audit.json().error.code).toBe('ERR_STORE_UNAVAILABLE');
    await t.server.flushAudit();
    expect(log.lines().some((line) => String(line.msg).startsWith('audit records cannot be written'))).toBe(true);

    await locker.query('commit');
    await t.server.flushAudit();
    const after = await t.request({ method: 'GET', url: `/admin/audit?userId=${user.userId}`, token: adminToken });
    expect(after.statusCode).toBe(200);
    expect(after.json().records.map((r: { event: string }) => r.event)).toEqual([
      'login.succeeded',
      'login.succeeded',
      'user.registered',
    ]);
  });
});
