import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUsernameDigest } from '../../src/audit/username-digest.js';
import { type ListeningServer, PASSWORD, startListeningServer } from '../support/listening-server.js';
import { type CapturedLine, captureLog } from '../support/log-capture.js';
import { makeTempDir } from '../support/temp-dir.js';
import { decodeJwt, TEST_ACCESS_SECRET, TEST_REFRESH_SECRET } from '../support/test-server.js';

const USER_AGENT = 'audit-test/1.0 (X11; Linux x86_64)';
const client = { ip: '127.0.0.1', userAgent: USER_AGENT };
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const digest = createUsernameDigest(TEST_REFRESH_SECRET);

/** A server writing audit records to a captured log and to an audit file. */
async function startAuditedServer(env: Record<string, string> = {}) {
  const dir = makeTempDir('jwtgate-audit-');
  const log = captureLog();
  const file = join(dir.path, 'audit.jsonl');
  const s = await startListeningServer({
    metrics: false,
    logger: { level: 'info', stream: log.stream },
    env: { JWTGATE_AUDIT_FILE: file, ...env },
  });
  const send: ListeningServer['send'] = (method, path, options = {}) =>
    s.send(method, path, { ...options, headers: { 'user-agent': USER_AGENT, ...options.headers } });
  return {
    s,
    log,
    file,
    send,
    /** The audit file's records, optionally of one event. */
    fileRecords(event?: string): Record<string, unknown>[] {
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((record) => event === undefined || record.event === event);
    },
    async register(username: string) {
      const res = await send('POST', '/auth/register', { body: { username, password: PASSWORD } });
      expect(res.status).toBe(201);
      return res.body.id as string;
    },
    async login(username: string, password = PASSWORD, extra: Record<string, unknown> = {}) {
      return send('POST', '/auth/login', { body: { username, password, ...extra } });
    },
    async close() {
      await s.close();
      dir.remove();
    },
  };
}

type AuditedServer = Awaited<ReturnType<typeof startAuditedServer>>;

/** The record as the audit file has it: the log line without pino's own fields and the request's id. */
function withoutLogFields(line: CapturedLine): Record<string, unknown> {
  const { level: _level, time: _time, pid: _pid, hostname: _hostname, msg: _msg, reqId: _reqId, ...record } = line;
  return record;
}

/** The last record of `event` for `field: value`. */
function last(records: readonly Record<string, unknown>[], field: string, value: unknown) {
  return records.filter((record) => record[field] === value).at(-1);
}

describe('the audit trail', () => {
  let a: AuditedServer;
  beforeAll(async () => {
    a = await startAuditedServer({ JWTGATE_LOGIN_MAX_FAILURES: '3' });
  });
  afterAll(() => a.close());

  it('records a login with the account, the session and the client, alike in the log and the file', async () => {
    const userId = await a.register('Audrey');
    const res = await a.login('audrey', PASSWORD, { device: 'laptop' });
    expect(res.status).toBe(200);
    const sessionId = decodeJwt(res.body.accessToken).payload.sid;

    const record = last(a.fileRecords('login.succeeded'), 'userId', userId);
    expect(record).toEqual({
      audit: true,
      auditVersion: 1,
      id: expect.stringMatching(UUID),
      at: expect.stringMatching(ISO_TIME),
      requestId: expect.stringMatching(UUID),
      event: 'login.succeeded',
      userId,
      username: 'Audrey',
      usernameDigest: digest('Audrey'),
      sessionId,
      device: 'laptop',
      amr: ['pwd'],
      ...client,
    });
    expect(new Date(record?.at as string).getTime()).toBe(a.s.t.clock.now());

    const line = a.log.audit('login.succeeded').find((l) => l.userId === userId) as CapturedLine;
    expect(line.level).toBe(30);
    expect(line.msg).toBe('login.succeeded');
    expect(withoutLogFields(line)).toEqual(record);
  });

  it('records the registration of an account', async () => {
    const userId = await a.register('Reggie');
    expect(last(a.fileRecords('user.registered'), 'userId', userId)).toEqual({
      audit: true,
      auditVersion: 1,
      id: expect.stringMatching(UUID),
      at: expect.stringMatching(ISO_TIME),
      requestId: expect.stringMatching(UUID),
      event: 'user.registered',
      userId,
      username: 'Reggie',
      ...client,
    });
  });

  it('records failed logins: the name of an existing account, and only a digest of a name that is no account', async () => {
    const userId = await a.register('Fiona');
    expect((await a.login('FIONA', 'not her password')).status).toBe(401);
    const typedInTheWrongField = 'Tr0ub4dor&3-secret';
    expect((await a.login(typedInTheWrongField, PASSWORD)).status).toBe(401);
    await a.s.t.server.users.update(userId, { disabled: true, updatedAt: a.s.t.clock.now() });
    expect((await a.login('fiona', PASSWORD)).status).toBe(401);

    const failures = a.fileRecords('login.failed');
    const wrongPassword = failures.at(-3);
    expect(wrongPassword).toEqual({
      audit: true,
      auditVersion: 1,
      id: expect.stringMatching(UUID),
      at: expect.stringMatching(ISO_TIME),
      requestId: expect.stringMatching(UUID),
      event: 'login.failed',
      reason: 'wrong-password',
      username: 'FIONA',
      userId,
      usernameDigest: digest('Fiona'),
      ...client,
    });
    // Every spelling of an account's name has the digest its successful logins carry.
    expect(wrongPassword?.usernameDigest).toBe(digest('fiona'));
    const unknown = failures.at(-2);
    expect(unknown).toMatchObject({
      event: 'login.failed',
      reason: 'unknown-user',
      usernameDigest: digest(typedInTheWrongField),
    });
    expect(unknown).not.toHaveProperty('username');
    expect(unknown).not.toHaveProperty('userId');
    expect(readFileSync(a.file, 'utf8')).not.toContain(typedInTheWrongField);
    expect(a.log.text()).not.toContain(typedInTheWrongField);
    expect(failures.at(-1)).toMatchObject({
      reason: 'disabled',
      username: 'fiona',
      userId,
      usernameDigest: digest('Fiona'),
    });
  });

  it('records rate limiting at warn, with the digest of the name and when to retry', async () => {
    await a.register('Ratna');
    for (let i = 0; i < 3; i++) expect((await a.login('ratna', `guess number ${i}`)).status).toBe(401);
    const limited = await a.login('ratna', PASSWORD);
    expect(limited.status).toBe(429);
    const record = a.fileRecords('login.rate-limited').at(-1);
    expect(record).toEqual({
      audit: true,
      auditVersion: 1,
      id: expect.stringMatching(UUID),
      at: expect.stringMatching(ISO_TIME),
      requestId: expect.stringMatching(UUID),
      event: 'login.rate-limited',
      usernameDigest: digest('Ratna'),
      retryAfterSec: Number(limited.headers.get('retry-after')),
      ...client,
    });
    expect(a.log.audit('login.rate-limited').at(-1)?.level).toBe(40);
  });

  it('records a rotation, a grace replay, a reuse detection at warn, and the revocation it causes', async () => {
    await a.register('Rosa');
    const login = await a.login('rosa');
    const sessionId = decodeJwt(login.body.accessToken).payload.sid;
    const refresh = (refreshToken: string) => a.send('POST', '/auth/refresh', { body: { refreshToken } });
    expect((await refresh(login.body.refreshToken)).status).toBe(200);
    expect((await refresh(login.body.refreshToken)).status).toBe(200);
    a.s.t.clock.advance(11_000);
    expect((await refresh(login.body.refreshToken)).body.error.code).toBe('ERR_REFRESH_TOKEN_REUSED');

    const ofSession = a.fileRecords().filter((record) => record.sessionId === sessionId);
    expect(ofSession.map((record) => [record.event, record.generation])).toEqual([
      ['login.succeeded', undefined],
      ['session.refreshed', 1],
      ['session.refresh-replayed', 1],
      ['session.reuse-detected', 0],
      ['session.revoked', undefined],
    ]);
    expect(ofSession[3]).toMatchObject({ userId: ofSession[0]?.userId, ...client });
    expect(ofSession[4]).toEqual({
      audit: true,
      auditVersion: 1,
      id: expect.stringMatching(UUID),
      at: expect.stringMatching(ISO_TIME),
      requestId: expect.stringMatching(UUID),
      event: 'session.revoked',
      sessionId,
      userId: ofSession[0]?.userId,
      reason: 'refresh-token-reuse',
      actor: 'system',
      // The revocation has no client of its own; the request that caused it gives its.
      ...client,
    });
    // One request, one id: the reuse and the revocation it caused.
    expect(ofSession[4]?.requestId).toBe(ofSession[3]?.requestId);
    expect(a.log.audit('session.reuse-detected').find((l) => l.sessionId === sessionId)?.level).toBe(40);
  });

  it('records revocations with their reason and who made them: the user, or an administrator by id', async () => {
    const adminId = await a.register('Ada');
    await a.s.t.server.users.update(adminId, { role: 'admin', updatedAt: a.s.t.clock.now() });
    const admin = (await a.login('ada')).body.accessToken as string;
    const userId = await a.register('Ulla');
    const sessions = [];
    for (let i = 0; i < 4; i++) sessions.push((await a.login('ulla')).body.accessToken as string);
    const sid = (token: string) => decodeJwt(token).payload.sid;
    const [first = '', second = '', third = '', fourth = ''] = sessions;

    await a.send('POST', '/auth/logout', { token: first });
    await a.send('DELETE', `/auth/sessions/${sid(second)}`, { token: third });
    await a.send('DELETE', `/admin/sessions/${sid(third)}`, { token: admin });
    const disabled = await a.send('POST', `/admin/users/${userId}/disable`, { token: admin });
    expect(disabled.body.revokedSessions).toBe(1);

    const revoked = a.fileRecords('session.revoked');
    expect(last(revoked, 'sessionId', sid(first))).toMatchObject({ reason: 'logout', actor: 'self', userId });
    expect(last(revoked, 'sessionId', sid(second))).toMatchObject({ reason: 'kicked', actor: 'self' });
    expect(last(revoked, 'sessionId', sid(third))).toMatchObject({ reason: 'admin', actor: 'admin', actorId: adminId });
    expect(last(revoked, 'sessionId', sid(fourth))).toMatchObject({
      reason: 'user-disabled',
      actor: 'admin',
      actorId: adminId,
    });
    expect(last(revoked, 'sessionId', sid(first))).not.toHaveProperty('actorId');
    expect(last(a.fileRecords('admin.user-disabled'), 'userId', userId)).toEqual({
      audit: true,
      auditVersion: 1,
      id: expect.stringMatching(UUID),
      at: expect.stringMatching(ISO_TIME),
      requestId: expect.stringMatching(UUID),
      event: 'admin.user-disabled',
      actorId: adminId,
      userId,
      revokedSessions: 1,
      outcome: 'success',
      // The administrator's own session, from which the change was made.
      sessionId: sid(admin),
      ...client,
    });

    await a.s.t.server.users.update(userId, { disabled: false, updatedAt: a.s.t.clock.now() });
    const back = (await a.login('ulla')).body.accessToken as string;
    const forced = await a.send('POST', `/admin/users/${userId}/logout`, { token: admin });
    expect(forced.body).toEqual({ revoked: 1 });
    expect(last(a.fileRecords('admin.user-signed-out'), 'userId', userId)).toMatchObject({
      actorId: adminId,
      revokedSessions: 1,
      outcome: 'success',
    });
    expect(last(a.fileRecords('session.revoked'), 'sessionId', sid(back))).toMatchObject({
      reason: 'admin',
      actor: 'admin',
      actorId: adminId,
    });
  });

  it('records a refused access to the administration API at warn, with the route pattern', async () => {
    const userId = await a.register('Mallory');
    const token = (await a.login('mallory')).body.accessToken;
    const victim = await a.register('Victor');
    const res = await a.send('PATCH', `/admin/users/${victim}`, { token, body: { role: 'admin' } });
    expect(res.status).toBe(403);
    expect(last(a.fileRecords('admin.access-denied'), 'userId', userId)).toEqual({
      audit: true,
      auditVersion: 1,
      id: expect.stringMatching(UUID),
      at: expect.stringMatching(ISO_TIME),
      requestId: expect.stringMatching(UUID),
      event: 'admin.access-denied',
      userId,
      method: 'PATCH',
      route: '/admin/users/:id',
      sessionId: decodeJwt(token).payload.sid,
      ...client,
    });
    expect(a.log.audit('admin.access-denied').at(-1)?.level).toBe(40);
    expect(a.fileRecords('admin.user-changed').some((record) => record.userId === victim)).toBe(false);
  });

  it('records every administrator action with who, on whom, from where and how it ended', async () => {
    const adminId = await a.register('Adelheid');
    await a.s.t.server.users.update(adminId, { role: 'admin', updatedAt: a.s.t.clock.now() });
    const token = (await a.login('adelheid')).body.accessToken as string;
    const userId = await a.register('Ute');
    await a.login('ute');
    const sid = (body: { accessToken: string }) => decodeJwt(body.accessToken).payload.sid as string;
    const unknownId = '00000000-0000-0000-0000-000000000000';

    expect((await a.send('POST', `/admin/users/${userId}/logout`, { token })).status).toBe(200);
    expect((await a.send('POST', `/admin/users/${userId}/disable`, { token })).status).toBe(200);
    expect((await a.send('POST', `/admin/users/${userId}/enable`, { token })).status).toBe(200);
    const again = sid((await a.login('ute')).body);
    expect((await a.send('DELETE', `/admin/sessions/${again}`, { token })).status).toBe(204);
    expect((await a.send('DELETE', `/admin/sessions/${again}`, { token })).status).toBe(404);
    const patched = await a.send('PATCH', `/admin/users/${userId}`, { token, body: { role: 'support' } });
    expect(patched.status).toBe(200);
    expect((await a.send('POST', `/admin/users/${unknownId}/disable`, { token })).status).toBe(404);

    const envelope = {
      audit: true,
      auditVersion: 1,
      id: expect.stringMatching(UUID),
      at: expect.stringMatching(ISO_TIME),
      requestId: expect.stringMatching(UUID),
      actorId: adminId,
      ...client,
    };
    // Actions on a user carry the session the administrator acted from.
    const adminSession = decodeJwt(token).payload.sid as string;
    const done = { ...envelope, outcome: 'success' };
    expect(last(a.fileRecords('admin.user-signed-out'), 'userId', userId)).toEqual({
      ...done,
      event: 'admin.user-signed-out',
      userId,
      sessionId: adminSession,
      revokedSessions: 1,
    });
    expect(last(a.fileRecords('admin.user-disabled'), 'userId', userId)).toEqual({
      ...done,
      event: 'admin.user-disabled',
      userId,
      sessionId: adminSession,
      revokedSessions: 0,
    });
    expect(last(a.fileRecords('admin.user-enabled'), 'userId', userId)).toEqual({
      ...done,
      event: 'admin.user-enabled',
      userId,
      sessionId: adminSession,
      revokedSessions: 0,
    });
    expect(a.fileRecords('admin.session-revoked').filter((r) => r.sessionId === again)).toEqual([
      { ...done, event: 'admin.session-revoked', sessionId: again },
      {
        ...envelope,
        event: 'admin.session-revoked',
        sessionId: again,
        outcome: 'failure',
        errorCode: 'ERR_SESSION_NOT_FOUND',
      },
    ]);
    expect(last(a.fileRecords('admin.user-changed'), 'userId', userId)).toEqual({
      ...done,
      event: 'admin.user-changed',
      userId,
      sessionId: adminSession,
      changes: { role: 'support' },
      revokedSessions: 0,
    });
    expect(last(a.fileRecords('admin.user-disabled'), 'userId', unknownId)).toEqual({
      ...envelope,
      event: 'admin.user-disabled',
      userId: unknownId,
      sessionId: adminSession,
      revokedSessions: 0,
      outcome: 'failure',
      errorCode: 'ERR_USER_NOT_FOUND',
    });
  });

  it('records a password change with the sessions it ended, and refused ones with their reason, never a password', async () => {
    const userId = await a.register('Paula');
    const first = (await a.login('paula')).body.accessToken as string;
    const other = (await a.login('paula')).body.accessToken as string;
    const sid = (token: string) => decodeJwt(token).payload.sid as string;
    const newPassword = 'paula picks a new passphrase';
    const wrong = 'what paula typed wrongly';
    const change = (currentPassword: string, next: string, token = first) =>
      a.send('POST', '/auth/password', { token, body: { currentPassword, newPassword: next } });

    expect((await change(wrong, newPassword)).status).toBe(403);
    expect((await change(PASSWORD, 'short')).status).toBe(400);
    expect((await change(PASSWORD, newPassword)).body).toEqual({ revoked: 1 });

    const base = {
      audit: true,
      auditVersion: 1,
      id: expect.stringMatching(UUID),
      at: expect.stringMatching(ISO_TIME),
      requestId: expect.stringMatching(UUID),
      userId,
      ...client,
    };
    expect(a.fileRecords('password.change-failed').filter((r) => r.userId === userId)).toEqual([
      { ...base, event: 'password.change-failed', sessionId: sid(first), reason: 'wrong-password' },
      { ...base, event: 'password.change-failed', sessionId: sid(first), reason: 'weak-password' },
    ]);
    expect(last(a.fileRecords('password.changed'), 'userId', userId)).toEqual({
      ...base,
      event: 'password.changed',
      sessionId: sid(first),
      revokedSessions: 1,
    });
    expect(last(a.fileRecords('session.revoked'), 'sessionId', sid(other))).toMatchObject({
      reason: 'password-changed',
      actor: 'self',
      userId,
    });

    // Three wrong guesses are the limit here (Login.MaxFailures), whatever the route they come through.
    expect((await change(wrong, 'another new passphrase')).status).toBe(403);
    expect((await change(wrong, 'another new passphrase')).status).toBe(403);
    expect((await change(wrong, 'another new passphrase')).status).toBe(403);
    expect((await change(newPassword, 'another new passphrase')).status).toBe(429);
    expect(last(a.fileRecords('password.change-failed'), 'userId', userId)).toMatchObject({ reason: 'rate-limited' });

    const everything = `${readFileSync(a.file, 'utf8')}${a.log.text()}`;
    for (const secret of [newPassword, wrong, 'another new passphrase']) expect(everything).not.toContain(secret);
  });

  it('writes the file with mode 0600, one JSON record per line, each also in the log', () => {
    expect(statSync(a.file).mode & 0o777).toBe(0o600);
    const fromFile = a.fileRecords();
    expect(fromFile.length).toBeGreaterThan(20);
    expect(a.log.audit().map(withoutLogFields)).toEqual(fromFile);
  });

  it('never holds a password, a token, a secret or a cookie, and neither does the rest of the log', async () => {
    await a.register('Sam');
    const wrongPassword = 'an incorrect password for sam';
    await a.login('sam', wrongPassword);
    const bearer = await a.login('sam');
    const refreshed = await a.send('POST', '/auth/refresh', { body: { refreshToken: bearer.body.refreshToken } });
    const cookieLogin = await a.login('sam', PASSWORD, { cookie: true });
    expect(cookieLogin.status).toBe(403); // no Origin: refused before the password is checked
    const page = { origin: a.s.url, 'x-jwtgate-csrf': '1' };
    const browser = await a.send('POST', '/auth/login', {
      body: { username: 'sam', password: PASSWORD, cookie: true },
      headers: page,
    });
    const cookie = (browser.headers.getSetCookie()[0] ?? '').split(';')[0] as string;
    a.s.t.clock.advance(16 * 60_000);
    const silent = await a.send('GET', '/auth/me', { token: browser.body.accessToken, headers: { cookie } });
    expect(silent.status).toBe(200);
    await a.send('POST', '/auth/logout', {
      token: silent.headers.get('x-access-token') as string,
      headers: { ...page, cookie },
    });

    const tokens = [
      bearer.body.accessToken,
      bearer.body.refreshToken,
      refreshed.body.accessToken,
      refreshed.body.refreshToken,
      browser.body.accessToken,
      cookie.split('=')[1],
      silent.headers.get('x-access-token'),
    ] as string[];
    const forbidden = [
      PASSWORD,
      wrongPassword,
      TEST_ACCESS_SECRET,
      TEST_REFRESH_SECRET,
      ...tokens,
      // Parts are enough to matter: a JWT's signature, a refresh token's body.
      ...tokens.map((token) => token.split('.').at(-1) as string),
      ...tokens.filter((token) => token.startsWith('jgr1_')).map((token) => token.slice(5, 40)),
    ];
    const everything = `${readFileSync(a.file, 'utf8')}${a.log.text()}`;
    expect(a.log.audit().length).toBeGreaterThan(0);
    for (const secret of forbidden) expect(everything).not.toContain(secret);
    // No field that could hold one either.
    expect(everything).not.toMatch(/"(authorization|cookie|set-cookie|password|accessToken|refreshToken|token)":/i);
  });
});

describe('the audit trail with Audit.Log off', () => {
  let a: AuditedServer;
  beforeAll(async () => {
    a = await startAuditedServer({ JWTGATE_AUDIT_LOG: 'false', JWTGATE_AUTH_MAX_SESSIONS: '1' });
  });
  afterAll(() => a.close());

  it('keeps records out of the log and still writes them to the file', async () => {
    const userId = await a.register('Quiet');
    expect((await a.login('quiet')).status).toBe(200);
    expect(a.fileRecords('user.registered').map((record) => record.userId)).toEqual([userId]);
    expect(a.fileRecords('login.succeeded')).toHaveLength(1);
    expect(a.log.audit()).toEqual([]);
    expect(a.log.lines().length).toBeGreaterThan(0);
  });

  it('records the revocation the session limit makes as made by jwtgate itself', async () => {
    const userId = await a.register('Solo');
    const first = (await a.login('solo')).body.accessToken;
    expect((await a.login('solo')).status).toBe(200);
    expect(last(a.fileRecords('session.revoked'), 'sessionId', decodeJwt(first).payload.sid)).toMatchObject({
      userId,
      reason: 'session-limit',
      actor: 'system',
    });
  });
});
