import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlDatabase } from '../../src/stores/sql/open-database.js';
import { captureLog, type LogCapture } from '../support/log-capture.js';
import { makeTempDir } from '../support/temp-dir.js';
import {
  databasePath,
  decodeJwt,
  startTestServer,
  TEST_ACCESS_SECRET,
  TEST_REFRESH_SECRET,
  type TestServer,
} from '../support/test-server.js';

const USER_AGENT = 'audit-db-test/2.0';
const PASSWORD = 'correct horse battery staple';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Row {
  readonly id: string;
  readonly at: number | string;
  readonly event: string;
  readonly outcome: string;
  readonly user_id: string | null;
  readonly session_id: string | null;
  readonly actor_id: string | null;
  readonly ip: string | null;
  readonly user_agent: string | null;
  readonly request_id: string | null;
  readonly details: string;
}

/** A server on SQLite whose log is captured, driven with one user agent. */
async function startServer(): Promise<{ t: TestServer; log: LogCapture }> {
  const log = captureLog();
  const t = await startTestServer({
    env: { JWTGATE_LOGIN_MAX_FAILURES: '3' },
    logger: { level: 'info', stream: log.stream },
  });
  return { t, log };
}

describe('the audit trail in the database', () => {
  let t: TestServer;
  let log: LogCapture;
  const secrets: string[] = [PASSWORD, TEST_ACCESS_SECRET, TEST_REFRESH_SECRET];
  /** Every token the scenario obtained, and the parts of each that would be enough to matter. */
  const remember = (...tokens: string[]) => {
    for (const token of tokens) {
      secrets.push(token, token.split('.').at(-1) as string);
      if (token.startsWith('jgr1_')) secrets.push(token.slice(5, 40));
    }
  };
  const send = (options: Parameters<TestServer['request']>[0]) =>
    t.request({ ...options, headers: { 'user-agent': USER_AGENT, ...options.headers } });
  const login = async (username: string, password = PASSWORD) => {
    const res = await send({ method: 'POST', url: '/auth/login', body: { username, password } });
    if (res.statusCode === 200) remember(res.json().accessToken, res.json().refreshToken);
    return res;
  };
  const register = async (username: string) => {
    const res = await send({ method: 'POST', url: '/auth/register', body: { username, password: PASSWORD } });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  const sid = (accessToken: string) => decodeJwt(accessToken).payload.sid as string;
  const rows = async (): Promise<Row[]> => {
    await t.server.flushAudit();
    return (await t.server.database.db.selectFrom('jwtgate_audit').selectAll().execute()) as Row[];
  };

  let adminToken: string;
  let adminId: string;
  let userId: string;
  let userToken: string;
  beforeAll(async () => {
    ({ t, log } = await startServer());
    adminId = await register('Boss');
    await t.server.users.update(adminId, { role: 'admin', updatedAt: t.clock.now() });
    adminToken = (await login('boss')).json().accessToken;
  });
  afterAll(() => t?.close());

  it('keeps a record of every kind of event, with its request, client, session and outcome, and no secret', async () => {
    userId = await register('Alice');
    const first = (await login('alice')).json();
    const typedInTheWrongField = 'my-secret-passphrase-in-the-name-box';
    secrets.push(typedInTheWrongField);
    expect((await login(typedInTheWrongField)).statusCode).toBe(401);
    expect((await login('alice', 'not the password at all')).statusCode).toBe(401);
    const huge = 'p'.repeat(5_000);
    expect((await login('alice', huge)).statusCode).toBe(401);

    const refresh = (refreshToken: string) => send({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
    const rotated = await refresh(first.refreshToken);
    expect(rotated.statusCode).toBe(200);
    remember(rotated.json().accessToken, rotated.json().refreshToken);
    const replayed = await refresh(first.refreshToken);
    expect(replayed.statusCode).toBe(200);
    remember(replayed.json().accessToken);
    t.clock.advance(11_000);
    expect((await refresh(first.refreshToken)).json().error.code).toBe('ERR_REFRESH_TOKEN_REUSED');

    const [a, b, c, d] = [
      (await login('alice')).json().accessToken,
      (await login('alice')).json().accessToken,
      (await login('alice')).json().accessToken,
      (await login('alice')).json().accessToken,
    ] as string[];
    expect((await send({ method: 'DELETE', url: `/auth/sessions/${sid(b as string)}`, token: a })).statusCode).toBe(
      204,
    );
    expect(
      (await send({ method: 'DELETE', url: `/admin/sessions/${sid(c as string)}`, token: adminToken })).statusCode,
    ).toBe(204);
    expect((await send({ method: 'POST', url: '/auth/logout', token: d, body: {} })).json()).toEqual({ revoked: 1 });
    expect((await send({ method: 'POST', url: '/auth/logout', token: a, body: { scope: 'others' } })).json()).toEqual({
      revoked: 0,
    });
    const e = (await login('alice')).json().accessToken as string;
    expect((await send({ method: 'POST', url: '/auth/logout', token: e, body: { scope: 'all' } })).json()).toEqual({
      revoked: 2,
    });

    userToken = (await login('alice')).json().accessToken;
    const disabled = await send({ method: 'POST', url: `/admin/users/${userId}/disable`, token: adminToken });
    expect(disabled.json().revokedSessions).toBe(1);
    expect((await login('alice')).statusCode).toBe(401);
    await send({ method: 'POST', url: `/admin/users/${userId}/enable`, token: adminToken });
    userToken = (await login('alice')).json().accessToken;
    const patched = await send({
      method: 'PATCH',
      url: `/admin/users/${userId}`,
      token: adminToken,
      body: { role: 'support' },
    });
    expect(patched.json().revokedSessions).toBe(1);
    userToken = (await login('alice')).json().accessToken;
    expect((await send({ method: 'POST', url: `/admin/users/${userId}/logout`, token: adminToken })).json()).toEqual({
      revoked: 1,
    });
    userToken = (await login('alice')).json().accessToken;
    expect((await send({ method: 'GET', url: `/admin/users/${adminId}`, token: userToken })).statusCode).toBe(403);

    await register('Rita');
    for (let i = 0; i < 3; i++) await login('rita', `wrong guess ${i}`);
    expect((await login('rita')).statusCode).toBe(429);

    const all = await rows();
    const ofAlice = all.filter((row) => row.user_id === userId);
    const one = (event: string, detail: Record<string, unknown> = {}, from = all) => {
      const found = from.filter(
        (row) =>
          row.event === event &&
          Object.entries(detail).every(
            ([key, value]) => (JSON.parse(row.details) as Record<string, unknown>)[key] === value,
          ),
      );
      expect(found.length, `${event} ${JSON.stringify(detail)}`).toBeGreaterThan(0);
      return found.at(-1) as Row;
    };
    const expectRow = (row: Row, outcome: string) => {
      expect(row.outcome).toBe(outcome);
      expect(row.request_id).toMatch(UUID);
      expect(row.ip).toBe('127.0.0.1');
      expect(row.user_agent).toBe(USER_AGENT);
      expect(row.id).toMatch(UUID);
      expect(Number(row.at)).toBeGreaterThan(0);
    };

    expectRow(one('user.registered', { username: 'Alice' }), 'success');
    const loggedIn = one(
      'login.succeeded',
      {},
      ofAlice.filter((r) => r.session_id === sid(first.accessToken)),
    );
    expectRow(loggedIn, 'success');
    for (const reason of ['unknown-user', 'wrong-password', 'password-too-long', 'disabled']) {
      const failed = one('login.failed', { reason });
      expectRow(failed, 'failure');
      expect(failed.session_id).toBeNull();
      // Guesses at an existing account's password show in that account's trail; other failures name nobody.
      if (reason === 'wrong-password' || reason === 'disabled') expect(failed.user_id).toMatch(UUID);
      else expect(failed.user_id).toBeNull();
    }
    expectRow(one('login.rate-limited'), 'denied');
    for (const [event, generation] of [
      ['session.refreshed', 1],
      ['session.refresh-replayed', 1],
      ['session.reuse-detected', 0],
    ] as const) {
      const row = one(event, { generation }, ofAlice);
      expectRow(row, event === 'session.reuse-detected' ? 'failure' : 'success');
      expect(row.session_id).toBe(sid(first.accessToken));
    }
    const revoked = (reason: string, actor: string) => {
      const row = one('session.revoked', { reason, actor }, ofAlice);
      expectRow(row, 'success');
      return row;
    };
    expect(revoked('refresh-token-reuse', 'system').session_id).toBe(sid(first.accessToken));
    expect(revoked('kicked', 'self').session_id).toBe(sid(b as string));
    const byAdmin = revoked('admin', 'admin');
    expect(byAdmin.actor_id).toBe(adminId);
    expect(revoked('logout', 'self').session_id).toBe(sid(d as string));
    expect(revoked('logout-all', 'self').actor_id).toBeNull();
    expect(revoked('user-disabled', 'admin').actor_id).toBe(adminId);
    // "Everyone else" ended nothing here (the others were already gone), so it has no record; below it does.
    for (const event of ['admin.user-disabled', 'admin.user-enabled', 'admin.user-changed']) {
      const changed = one(event, {}, ofAlice);
      expectRow(changed, 'success');
      expect(changed.actor_id).toBe(adminId);
      // An admin action has no session of its own: the record names the administrator's.
      expect(changed.session_id).toBe(sid(adminToken));
    }
    expect(JSON.parse(one('admin.user-disabled', {}, ofAlice).details)).toMatchObject({
      revokedSessions: 1,
      auditVersion: 1,
    });
    expect(JSON.parse(one('admin.user-changed', {}, ofAlice).details)).toMatchObject({ changes: { role: 'support' } });
    const signedOut = one('admin.user-signed-out', {}, ofAlice);
    expectRow(signedOut, 'success');
    expect(signedOut.actor_id).toBe(adminId);
    const denied = one('admin.access-denied', { route: '/admin/users/:id' }, ofAlice);
    expectRow(denied, 'denied');
    expect(denied.session_id).toBe(sid(userToken));

    // One request, one id: the reuse and the revocation it caused; and the log line has the row's id.
    const reuse = one('session.reuse-detected', {}, ofAlice);
    expect(revoked('refresh-token-reuse', 'system').request_id).toBe(reuse.request_id);
    expect(log.audit('session.reuse-detected').map((line) => line.id)).toContain(reuse.id);
    expect(all.map((row) => row.id).sort()).toEqual(
      log
        .audit()
        .map((line) => line.id as string)
        .sort(),
    );

    const everything = `${JSON.stringify(all)}\n${log.text()}`;
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(everything).not.toContain(huge.slice(0, 100));
    expect(everything).not.toMatch(/"(authorization|cookie|password|accessToken|refreshToken|token)"\s*:/i);
  });

  it('records a logout of the other sessions, one record per session it ended', async () => {
    const id = await register('Olga');
    const kept = (await login('olga')).json().accessToken as string;
    const others = [(await login('olga')).json().accessToken, (await login('olga')).json().accessToken] as string[];
    const res = await send({ method: 'POST', url: '/auth/logout', token: kept, body: { scope: 'others' } });
    expect(res.json()).toEqual({ revoked: 2 });
    const ended = (await rows()).filter(
      (row) =>
        row.user_id === id && row.event === 'session.revoked' && JSON.parse(row.details).reason === 'logout-others',
    );
    expect(ended.map((row) => row.session_id).sort()).toEqual(others.map(sid).sort());
    expect(new Set(ended.map((row) => row.request_id)).size).toBe(1);
  });

  describe('GET /admin/audit', () => {
    const get = (query: string, token = adminToken) => send({ method: 'GET', url: `/admin/audit${query}`, token });

    it('answers the records of a user newest first, as the database has them', async () => {
      await t.server.flushAudit();
      const res = await get(`?userId=${userId}&limit=200`);
      expect(res.statusCode, res.body).toBe(200);
      const { records, nextCursor } = res.json();
      expect(nextCursor).toBeNull();
      const stored = (await rows()).filter((row) => row.user_id === userId);
      expect(records).toHaveLength(stored.length);
      const times = records.map((r: { at: string }) => Date.parse(r.at));
      expect(times).toEqual([...times].sort((x, y) => y - x));
      const reuse = records.find((r: { event: string }) => r.event === 'session.reuse-detected');
      expect(reuse).toEqual({
        id: expect.stringMatching(UUID),
        at: expect.any(String),
        event: 'session.reuse-detected',
        outcome: 'failure',
        userId,
        sessionId: expect.any(String),
        actorId: null,
        ip: '127.0.0.1',
        userAgent: USER_AGENT,
        requestId: expect.stringMatching(UUID),
        details: { auditVersion: 1, generation: 0 },
      });
    });

    it('filters by events, outcome, session, address and time', async () => {
      const byEvents = (await get('?event=login.failed&event=session.reuse-detected&limit=200')).json().records;
      expect(new Set(byEvents.map((r: { event: string }) => r.event))).toEqual(
        new Set(['login.failed', 'session.reuse-detected']),
      );
      const single = (await get('?event=admin.access-denied')).json().records;
      expect(single.length).toBeGreaterThan(0);
      expect(single.every((r: { event: string }) => r.event === 'admin.access-denied')).toBe(true);

      const failures = (await get('?outcome=failure&limit=200')).json().records;
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.every((r: { outcome: string }) => r.outcome === 'failure')).toBe(true);

      const sessionId = sid(adminToken);
      const ofSession = (await get(`?sessionId=${sessionId}`)).json().records;
      expect(ofSession.map((r: { event: string }) => r.event)).toContain('admin.user-changed');
      expect(ofSession.every((r: { sessionId: string }) => r.sessionId === sessionId)).toBe(true);

      expect((await get('?ip=203.0.113.1')).json().records).toEqual([]);
      expect((await get(`?ip=127.0.0.1&userId=${userId}&limit=1`)).json().records).toHaveLength(1);

      const all = (await get(`?userId=${userId}&limit=200`)).json().records as { at: string; id: string }[];
      const middle = all[Math.floor(all.length / 2)] as { at: string };
      const since = (await get(`?userId=${userId}&limit=200&since=${middle.at}`)).json().records as { at: string }[];
      const until = (await get(`?userId=${userId}&limit=200&until=${middle.at}`)).json().records as { at: string }[];
      expect(since.every((r) => r.at >= middle.at)).toBe(true);
      expect(until.every((r) => r.at < middle.at)).toBe(true);
      expect(since.length + until.length).toBe(all.length);
    });

    it('pages through the trail with the cursor, without gaps or repeats', async () => {
      const all = (await get(`?userId=${userId}&limit=200`)).json().records as { id: string }[];
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `?userId=${userId}&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`;
        const page = (await get(query)).json();
        expect(page.records.length).toBeLessThanOrEqual(3);
        seen.push(...page.records.map((r: { id: string }) => r.id));
        cursor = page.nextCursor;
      } while (cursor !== null && seen.length < 1_000);
      expect(seen).toEqual(all.map((r) => r.id));
    });

    it('refuses bad parameters and a cursor it did not give', async () => {
      for (const query of [
        '?limit=0',
        '?limit=201',
        '?outcome=maybe',
        '?since=yesterday',
        '?since=2026-13-40T00:00:00Z',
        '?until=2026-02-31T00:00:00Z',
        '?nope=1',
      ]) {
        const res = await get(query);
        expect(res.statusCode, query).toBe(400);
        expect(res.json().error.code, query).toBe('ERR_VALIDATION');
      }
      const res = await get('?cursor=bm90LWEtY3Vyc29y');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('ERR_INVALID_CURSOR');
    });

    it('is for enabled administrators only: 401 without a token, 403 for a user, and the refusal is recorded', async () => {
      expect((await send({ method: 'GET', url: '/admin/audit' })).statusCode).toBe(401);
      const res = await get('', userToken);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('ERR_FORBIDDEN');
      const denied = (await rows()).filter(
        (row) => row.event === 'admin.access-denied' && JSON.parse(row.details).route === '/admin/audit',
      );
      expect(denied.map((row) => row.user_id)).toEqual([userId]);
    });
  });
});

describe('shutting down', () => {
  it('writes the records still queued to the database before closing it', async () => {
    const dir = makeTempDir('jwtgate-audit-close-');
    try {
      const t = await startTestServer({ dataDir: dir.path });
      const user = await t.signUp();
      // No flush: close() alone must bring the queued records to the database.
      await t.close();
      const database = openSqlDatabase({ url: `sqlite:${databasePath(dir.path)}`, timeoutMs: 1000 });
      try {
        const rows = await database.db
          .selectFrom('jwtgate_audit')
          .select(['event'])
          .where('user_id', '=', user.userId)
          .orderBy('at')
          .execute();
        expect(rows.map((row) => row.event).sort()).toEqual(['login.succeeded', 'user.registered']);
      } finally {
        await database.close();
      }
    } finally {
      dir.remove();
    }
  });
});

describe('with Audit.Database off', () => {
  it('keeps no rows and has no GET /admin/audit, while the log still has every record', async () => {
    const log = captureLog();
    const t = await startTestServer({
      env: { JWTGATE_AUDIT_DATABASE: 'false' },
      logger: { level: 'info', stream: log.stream },
    });
    try {
      const admin = await t.signUp();
      await t.server.users.update(admin.userId, { role: 'admin', updatedAt: t.clock.now() });
      const token = (await t.login(admin.username, admin.password)).accessToken;
      const res = await t.request({ method: 'GET', url: '/admin/audit', token });
      expect(res.statusCode).toBe(404);
      await t.server.flushAudit();
      expect(await t.server.database.db.selectFrom('jwtgate_audit').selectAll().execute()).toEqual([]);
      expect(log.audit('login.succeeded')).toHaveLength(2);
    } finally {
      await t.close();
    }
  });
});
