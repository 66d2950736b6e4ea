import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestIdFor } from '../../src/http/request-id.js';
import { login, PASSWORD, register } from '../support/http-call.js';
import { type CapturedLine, captureLog, type LogCapture } from '../support/log-capture.js';
import { startServerProcess, useProcessSandbox } from '../support/spawn-server.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The lines written while `work` ran: with one request at a time, the lines of that request. */
async function linesDuring(log: LogCapture, work: () => Promise<void>): Promise<readonly CapturedLine[]> {
  const from = log.lines().length;
  await work();
  return log.lines().slice(from);
}

describe('request ids', () => {
  let t: TestServer;
  let log: LogCapture;
  beforeAll(async () => {
    log = captureLog();
    t = await startTestServer({ env: { JWTGATE_LOG_LEVEL: 'info' }, logStream: log.stream });
  });
  afterAll(() => t.close());

  it('keep a well-formed incoming X-Request-Id, answer it, and stamp every line of the request with it', async () => {
    const account = await t.signUp();
    const id = 'lb-5f0c2d9e.7a41:node@2';
    let answered: string | undefined;
    const lines = await linesDuring(log, async () => {
      const res = await t.request({
        method: 'POST',
        url: '/auth/login',
        body: { username: account.username, password: account.password },
        headers: { 'x-request-id': id },
      });
      expect(res.statusCode).toBe(200);
      answered = res.headers['x-request-id'] as string;
    });
    expect(answered).toBe(id);
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['incoming request', 'login.succeeded', 'request completed']),
    );
    // Audit records included: the login's record is written after the body was read.
    expect(lines.filter((line) => line.reqId !== id)).toEqual([]);
  });

  it("stamp the audit records the session manager reports during a request with that request's id", async () => {
    const account = await t.signUp();
    await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken: account.refreshToken } });
    t.clock.advance(11_000);
    const id = 'replay-of-a-stolen-token';
    const lines = await linesDuring(log, async () => {
      const res = await t.request({
        method: 'POST',
        url: '/auth/refresh',
        body: { refreshToken: account.refreshToken },
        headers: { 'x-request-id': id },
      });
      expect(res.json().error.code).toBe('ERR_REFRESH_TOKEN_REUSED');
      expect(res.headers['x-request-id']).toBe(id);
    });
    const audit = lines.filter((line) => line.audit === true);
    expect(audit.map((line) => line.event)).toEqual(['session.reuse-detected', 'session.revoked']);
    expect(lines.filter((line) => line.reqId !== id)).toEqual([]);
  });

  it('replace a malformed incoming id with a fresh one, and log under the replacement', async () => {
    const malformed = [
      'two words',
      'x'.repeat(65),
      '"quoted"',
      'ends-with-newline\\n{"level":60}',
      'ünïcode',
      '<script>',
      '',
    ];
    const seen = new Set<string>();
    for (const incoming of malformed) {
      let id = '';
      const lines = await linesDuring(log, async () => {
        const res = await t.request({ method: 'GET', url: '/healthz', headers: { 'x-request-id': incoming } });
        id = res.headers['x-request-id'] as string;
      });
      expect(id, incoming).toMatch(UUID);
      seen.add(id);
      expect(lines.length, incoming).toBeGreaterThanOrEqual(2);
      expect(lines.filter((line) => line.reqId !== id)).toEqual([]);
    }
    expect(seen.size).toBe(malformed.length);
  });

  it('generate a distinct random id when none is sent, on every answer, errors and unknown paths included', async () => {
    const answers = await Promise.all([
      t.request({ method: 'GET', url: '/healthz' }),
      t.request({ method: 'GET', url: '/no/such/path' }),
      t.request({ method: 'GET', url: '/auth/me' }),
      t.request({ method: 'POST', url: '/auth/login', body: 'not json', headers: { 'content-type': 'text/plain' } }),
    ]);
    expect(answers.map((res) => res.statusCode)).toEqual([200, 404, 401, 415]);
    const ids = answers.map((res) => res.headers['x-request-id'] as string);
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('decide in one place what a well-formed id is', () => {
    expect(requestIdFor('0190a6f4-7a9b-7c3e-8d5f-1e2a3b4c5d6e')).toBe('0190a6f4-7a9b-7c3e-8d5f-1e2a3b4c5d6e');
    expect(requestIdFor('01J8Z3K6Q2W4E5R6T7Y8U9I0OP')).toBe('01J8Z3K6Q2W4E5R6T7Y8U9I0OP');
    expect(requestIdFor('a'.repeat(64))).toBe('a'.repeat(64));
    expect(requestIdFor('a'.repeat(65))).toMatch(UUID);
    expect(requestIdFor(['one', 'two'])).toMatch(UUID);
    expect(requestIdFor(undefined)).toMatch(UUID);
  });
});

describe('the log', () => {
  it('is JSON lines with a level, a time and the request id, credentials redacted', async () => {
    const log = captureLog();
    const t = await startTestServer({ env: { JWTGATE_LOG_LEVEL: 'info' }, logStream: log.stream });
    try {
      const account = await t.signUp();
      await t.request({ method: 'GET', url: '/auth/me', token: account.accessToken, headers: { cookie: 'a=b' } });
    } finally {
      await t.close();
    }
    const text = log.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(6);
    for (const line of lines) {
      const entry = JSON.parse(line) as CapturedLine;
      expect(entry.level).toBeTypeOf('number');
      expect(entry.time).toBeTypeOf('number');
      expect(entry.msg).toBeTypeOf('string');
    }
    const requests = log.lines().filter((line) => line.msg === 'incoming request' || line.msg === 'request completed');
    expect(requests.length).toBeGreaterThanOrEqual(6);
    for (const line of requests) expect(line.reqId).toMatch(UUID);
    expect(text).not.toContain('Bearer ');
    expect(text).not.toContain(PASSWORD);
  });

  it('follows Log.Level: warn leaves out info lines and keeps the warnings, each with its request id', async () => {
    const log = captureLog();
    const t = await startTestServer({
      env: { JWTGATE_LOG_LEVEL: 'warn', JWTGATE_LOGIN_MAX_FAILURES: '1' },
      logStream: log.stream,
    });
    try {
      const account = await t.signUp();
      const attempt = () =>
        t.request({ method: 'POST', url: '/auth/login', body: { username: account.username, password: 'wrong!!!' } });
      expect((await attempt()).statusCode).toBe(401);
      const limited = await attempt();
      expect(limited.statusCode).toBe(429);
      const lines = log.lines();
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.filter((line) => line.level < 40)).toEqual([]);
      const warning = lines.find((line) => line.event === 'login.rate-limited');
      expect(warning?.level).toBe(40);
      expect(warning?.reqId).toBe(limited.headers['x-request-id']);
    } finally {
      await t.close();
    }
  });

  it('follows Log.Level: error leaves out the warning that warn keeps, silent writes nothing', async () => {
    for (const level of ['error', 'silent']) {
      const log = captureLog();
      const t = await startTestServer({
        env: { JWTGATE_LOG_LEVEL: level, JWTGATE_LOGIN_MAX_FAILURES: '1' },
        logStream: log.stream,
      });
      try {
        const account = await t.signUp();
        const attempt = () =>
          t.request({ method: 'POST', url: '/auth/login', body: { username: account.username, password: 'wrong!!!' } });
        await attempt();
        expect((await attempt()).statusCode, level).toBe(429);
      } finally {
        await t.close();
      }
      expect(log.text(), level).toBe('');
    }
  });
});

describe('the log of jwtgate start', () => {
  const dir = useProcessSandbox();

  it('is JSON lines on stdout, and a request id sent by a proxy ties its lines to the answer', async () => {
    const server = await startServerProcess({ cwd: dir.path });
    await register(server, 'carol');
    await login(server, 'carol');
    const res = await fetch(`${server.url}/auth/me`, { headers: { 'x-request-id': 'edge-42' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('edge-42');
    await server.waitForLog((line) => line.reqId === 'edge-42' && line.msg === 'request completed');
    expect(await server.stop()).toBe(0);
    const lines = server.logs();
    // The parser gives a line that is not JSON level 0.
    expect(lines.filter((line) => line.level === 0)).toEqual([]);
    const mine = lines.filter((line) => line.reqId === 'edge-42');
    expect(mine.map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
    const audited = lines.filter((line) => line.audit === true);
    expect(audited.map((line) => line.event)).toEqual(expect.arrayContaining(['user.registered', 'login.succeeded']));
    for (const line of audited) expect(line.reqId).toMatch(UUID);
    expect(JSON.stringify(lines)).not.toContain(PASSWORD);
  });
});
