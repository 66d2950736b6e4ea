import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ListeningServer, PASSWORD, startListeningServer } from '../support/listening-server.js';
import { checkWithPromtool, type Exposition } from '../support/prometheus-text.js';
import { databasePath, decodeJwt, startTestServer } from '../support/test-server.js';
import { hasTool } from '../support/tools.js';

const ACCESS_LIFETIME_MS = 15 * 60_000;
const PAST_ACCESS_EXPIRY_MS = ACCESS_LIFETIME_MS + 6_000;

/** How much each series moved between two scrapes. */
function delta(before: Exposition, after: Exposition) {
  return (name: string, labels: Record<string, string> = {}) => after.sum(name, labels) - before.sum(name, labels);
}

/** The metric names of the table in docs/operations.md (`…_p99_seconds` is spelled out). */
function documentedSeries(): string[] {
  const text = readFileSync(new URL('../../../../docs/operations.md', import.meta.url), 'utf8');
  const table = text.slice(text.indexOf('### The series'), text.indexOf('### Scraping'));
  const rows = table.split('\n').filter((line) => line.startsWith('| `'));
  return rows.flatMap((row) => {
    const names = [...(row.split(' | ')[0] as string).matchAll(/`([^`]+)`/g)].map((match) => match[1] as string);
    const first = names[0] as string;
    return names.map((name) => (name.startsWith('…') ? first.replace(/_[a-z0-9]+_seconds$/, name.slice(1)) : name));
  });
}

/** The refresh cookie a fetch answer sets, as a `Cookie` header value. */
function refreshCookie(headers: Headers): string {
  const cookie = headers.getSetCookie().find((c) => c.startsWith('__Secure-jwtgate_refresh='));
  if (cookie === undefined) throw new Error('no refresh cookie');
  return cookie.split(';')[0] as string;
}

describe('metrics', () => {
  let s: ListeningServer;
  beforeAll(async () => {
    s = await startListeningServer({ env: { JWTGATE_LOGIN_MAX_FAILURES: '3' } });
  });
  afterAll(() => s.close());

  it('are served at GET /metrics on a listener of their own, and not on the API port', async () => {
    const metricsUrl = s.t.server.metricsUrl as string;
    expect(new URL(metricsUrl).hostname).toBe('127.0.0.1');
    expect(new URL(metricsUrl).port).not.toBe(new URL(s.url).port);

    const scrape = await fetch(`${metricsUrl}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(scrape.headers.get('cache-control')).toBe('no-store');
    expect(await scrape.text()).toContain('# TYPE jwtgate_http_requests_total counter');

    expect((await s.send('GET', '/metrics')).status).toBe(404);
    expect((await fetch(`${metricsUrl}/`)).status).toBe(404);
    expect((await fetch(`${metricsUrl}/auth/me`)).status).toBe(404);
    const head = await fetch(`${metricsUrl}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const post = await fetch(`${metricsUrl}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('count requests by route pattern, method and status class, and time them', async () => {
    const before = await s.scrape();
    const account = await s.signUp();
    expect((await s.send('GET', '/auth/me', { token: account.accessToken })).status).toBe(200);
    expect((await s.send('GET', '/auth/me', { token: account.accessToken })).status).toBe(200);
    expect((await s.send('GET', `/admin/users/${account.userId}`, { token: account.accessToken })).status).toBe(403);
    expect((await s.send('GET', `/no/such/${account.userId}`)).status).toBe(404);
    const after = await s.scrape();
    const moved = delta(before, after);

    expect(moved('jwtgate_http_requests_total', { route: '/auth/me', method: 'GET', status: '2xx' })).toBe(2);
    expect(moved('jwtgate_http_requests_total', { route: '/auth/register', method: 'POST', status: '2xx' })).toBe(1);
    expect(moved('jwtgate_http_requests_total', { route: '/admin/users/:id', method: 'GET', status: '4xx' })).toBe(1);
    expect(moved('jwtgate_http_requests_total', { route: '(unmatched)', method: 'GET', status: '4xx' })).toBe(1);
    expect(moved('jwtgate_http_request_duration_seconds_count', { route: '/auth/me', method: 'GET' })).toBe(2);
    // A login hashes a password: it takes measurable time, recorded in seconds.
    const loginSeconds = moved('jwtgate_http_request_duration_seconds_sum', { route: '/auth/login', method: 'POST' });
    expect(loginSeconds).toBeGreaterThan(0);
    expect(loginSeconds).toBeLessThan(30);
    // The path with the user id never became a label: only the pattern did.
    expect(await s.scrapeText()).not.toContain(account.userId);
  });

  it('count logins by outcome, failures by internal reason, and rate limiting', async () => {
    const account = await s.signUp();
    const before = await s.scrape();
    const login = (username: string, password: string) =>
      s.send('POST', '/auth/login', { body: { username, password } });
    expect((await login(account.username, PASSWORD)).status).toBe(200);
    expect((await login(account.username, 'not the password')).status).toBe(401);
    expect((await login(`ghost-${account.username}`, PASSWORD)).status).toBe(401);
    expect((await login(account.username, 'not the password either')).status).toBe(401);
    expect((await login(account.username, 'still not the password')).status).toBe(401);
    // Three failures for this name from this address: the fourth attempt is not even tried.
    expect((await login(account.username, PASSWORD)).status).toBe(429);
    const moved = delta(before, await s.scrape());

    expect(moved('jwtgate_logins_total', { outcome: 'success' })).toBe(1);
    expect(moved('jwtgate_logins_total', { outcome: 'failure' })).toBe(4);
    expect(moved('jwtgate_logins_total', { outcome: 'rate-limited' })).toBe(1);
    expect(moved('jwtgate_login_failures_total', { reason: 'wrong-password' })).toBe(3);
    expect(moved('jwtgate_login_failures_total', { reason: 'unknown-user' })).toBe(1);
  });

  it('count registrations, created and refused', async () => {
    const before = await s.scrape();
    const account = await s.signUp();
    const taken = await s.send('POST', '/auth/register', { body: { username: account.username, password: PASSWORD } });
    expect(taken.status).toBe(409);
    const weak = await s.send('POST', '/auth/register', { body: { username: 'weak-one', password: 'short' } });
    expect(weak.status).toBe(400);
    const moved = delta(before, await s.scrape());
    expect(moved('jwtgate_registrations_total', { outcome: 'created' })).toBe(1);
    expect(moved('jwtgate_registrations_total', { outcome: 'refused' })).toBe(2);
  });

  it('count refreshes: rotated, grace replay, reuse detected, expired, invalid and revoked', async () => {
    const refresh = (refreshToken: string) => s.send('POST', '/auth/refresh', { body: { refreshToken } });
    const before = await s.scrape();

    const stolen = await s.signUp();
    const rotated = await refresh(stolen.refreshToken);
    expect(rotated.status).toBe(200);
    expect((await refresh(stolen.refreshToken)).status).toBe(200); // a second tab, within the grace window
    s.t.clock.advance(11_000);
    expect((await refresh(stolen.refreshToken)).body.error.code).toBe('ERR_REFRESH_TOKEN_REUSED');
    // The session is gone now: its current token is refused as revoked.
    expect((await refresh(rotated.body.refreshToken)).body.error.code).toBe('ERR_SESSION_REVOKED');

    const forged = `${stolen.refreshToken.slice(0, -4)}AAAA`;
    expect((await refresh(forged)).body.error.code).toBe('ERR_REFRESH_TOKEN_INVALID');
    expect((await refresh('jgr1_not-a-token')).body.error.code).toBe('ERR_REFRESH_TOKEN_INVALID');

    const idle = await s.signUp();
    s.t.clock.advance(8 * 86_400_000);
    expect((await refresh(idle.refreshToken)).body.error.code).toBe('ERR_REFRESH_TOKEN_EXPIRED');

    const moved = delta(before, await s.scrape());
    expect(moved('jwtgate_refreshes_total', { outcome: 'rotated' })).toBe(1);
    expect(moved('jwtgate_refreshes_total', { outcome: 'grace-replay' })).toBe(1);
    expect(moved('jwtgate_refreshes_total', { outcome: 'reuse-detected' })).toBe(1);
    expect(moved('jwtgate_refreshes_total', { outcome: 'revoked' })).toBe(1);
    expect(moved('jwtgate_refreshes_total', { outcome: 'invalid' })).toBe(2);
    expect(moved('jwtgate_refreshes_total', { outcome: 'expired' })).toBe(1);
    expect(moved('jwtgate_sessions_revoked_total', { reason: 'refresh-token-reuse' })).toBe(1);
  });

  it('count silent refreshes, renewed and refused', async () => {
    const account = await s.signUp();
    const fromPage = { origin: s.url, 'x-jwtgate-csrf': '1' };
    const login = await s.send('POST', '/auth/login', {
      body: { username: account.username, password: PASSWORD, cookie: true },
      headers: fromPage,
    });
    expect(login.status).toBe(200);
    const before = await s.scrape();

    s.t.clock.advance(PAST_ACCESS_EXPIRY_MS);
    const renewed = await s.send('GET', '/auth/me', {
      token: login.body.accessToken,
      headers: { cookie: refreshCookie(login.headers) },
    });
    expect(renewed.status).toBe(200);
    const accessToken = renewed.headers.get('x-access-token') as string;
    const cookie = refreshCookie(renewed.headers);
    expect((await s.send('POST', '/auth/logout', { token: accessToken, headers: { origin: s.url } })).status).toBe(200);
    s.t.clock.advance(PAST_ACCESS_EXPIRY_MS);
    const refused = await s.send('GET', '/auth/me', { token: accessToken, headers: { cookie } });
    expect(refused.status).toBe(401);

    const moved = delta(before, await s.scrape());
    expect(moved('jwtgate_silent_refreshes_total', { outcome: 'renewed' })).toBe(1);
    expect(moved('jwtgate_silent_refreshes_total', { outcome: 'refused' })).toBe(1);
    expect(moved('jwtgate_refreshes_total', { outcome: 'rotated' })).toBe(1);
    expect(moved('jwtgate_refreshes_total', { outcome: 'revoked' })).toBe(1);
  });

  it('count revocations by reason', async () => {
    const admin = await s.signUp();
    await s.t.server.users.update(admin.userId, { role: 'admin', updatedAt: s.t.clock.now() });
    const adminLogin = await s.send('POST', '/auth/login', { body: { username: admin.username, password: PASSWORD } });
    const user = await s.signUp();
    const login = async () =>
      (await s.send('POST', '/auth/login', { body: { username: user.username, password: PASSWORD } })).body;
    const [second, third, fourth] = [await login(), await login(), await login()];
    const before = await s.scrape();

    const sid = (token: string) => decodeJwt(token).payload.sid as string;
    expect(
      (await s.send('DELETE', `/auth/sessions/${sid(second.accessToken)}`, { token: user.accessToken })).status,
    ).toBe(204);
    expect((await s.send('POST', '/auth/logout', { token: third.accessToken })).body).toEqual({ revoked: 1 });
    expect(
      (await s.send('POST', '/auth/logout', { token: fourth.accessToken, body: { scope: 'others' } })).body,
    ).toEqual({ revoked: 1 });
    const forced = await s.send('POST', `/admin/users/${user.userId}/logout`, {
      token: adminLogin.body.accessToken,
    });
    expect(forced.body).toEqual({ revoked: 1 });

    const moved = delta(before, await s.scrape());
    expect(moved('jwtgate_sessions_revoked_total', { reason: 'kicked' })).toBe(1);
    expect(moved('jwtgate_sessions_revoked_total', { reason: 'logout' })).toBe(1);
    expect(moved('jwtgate_sessions_revoked_total', { reason: 'logout-others' })).toBe(1);
    expect(moved('jwtgate_sessions_revoked_total', { reason: 'admin' })).toBe(1);
    expect(moved('jwtgate_sessions_revoked_total')).toBe(4);
  });

  it('count requests refused for their access token, by code', async () => {
    const account = await s.signUp();
    const other = await s.signUp();
    const before = await s.scrape();
    const me = (token?: string) => s.send('GET', '/auth/me', token === undefined ? {} : { token });

    expect((await me()).body.error.code).toBe('ERR_TOKEN_MISSING');
    expect((await me(`${account.accessToken.slice(0, -2)}xx`)).body.error.code).toBe('ERR_TOKEN_INVALID');
    await s.send('POST', '/auth/logout', { token: other.accessToken });
    expect((await me(other.accessToken)).body.error.code).toBe('ERR_TOKEN_REVOKED');
    s.t.clock.advance(PAST_ACCESS_EXPIRY_MS);
    expect((await me(account.accessToken)).body.error.code).toBe('ERR_TOKEN_EXPIRED');
    expect((await s.send('GET', '/auth/sessions', { token: account.accessToken })).status).toBe(401);

    const moved = delta(before, await s.scrape());
    expect(moved('jwtgate_access_tokens_rejected_total', { code: 'ERR_TOKEN_MISSING' })).toBe(1);
    expect(moved('jwtgate_access_tokens_rejected_total', { code: 'ERR_TOKEN_INVALID' })).toBe(1);
    expect(moved('jwtgate_access_tokens_rejected_total', { code: 'ERR_TOKEN_REVOKED' })).toBe(1);
    expect(moved('jwtgate_access_tokens_rejected_total', { code: 'ERR_TOKEN_EXPIRED' })).toBe(2);
  });

  it('include every series docs/operations.md lists, and none it does not', async () => {
    const documented = documentedSeries();
    expect(documented).toContain('jwtgate_token_verification_duration_seconds');
    expect(documented).toContain('nodejs_eventloop_delay_p99_seconds');
    const scrape = await s.scrape();
    const families = [...scrape.types.keys()];
    // Without Redis the feed gauge is left out of the scrape (see its own test), but it is declared.
    const missing = documented.filter(
      (name) => !families.includes(name) && name !== 'jwtgate_revocation_feed_connected',
    );
    expect(missing).toEqual([]);
    expect(families.filter((name) => !documented.includes(name))).toEqual([]);
  });

  it('time every access-token verification of the guard, valid or refused, in microsecond buckets', async () => {
    const account = await s.signUp();
    const before = await s.scrape();
    for (let i = 0; i < 3; i++) {
      expect((await s.send('GET', '/auth/me', { token: account.accessToken })).status).toBe(200);
    }
    expect((await s.send('GET', '/auth/me', { token: `${account.accessToken.slice(0, -2)}xx` })).status).toBe(401);
    // No token at all: nothing to verify, nothing timed.
    expect((await s.send('GET', '/auth/me')).status).toBe(401);
    const after = await s.scrape();
    const moved = delta(before, after);
    const name = 'jwtgate_token_verification_duration_seconds';
    expect(moved(`${name}_count`, { outcome: 'valid' })).toBe(3);
    expect(moved(`${name}_count`, { outcome: 'refused' })).toBe(1);
    const seconds = moved(`${name}_sum`, { outcome: 'valid' });
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(0.5);
    // The lowest bucket is one microsecond, and there are buckets below a millisecond.
    const bounds = after.samples
      .filter((sample) => sample.name === `${name}_bucket` && sample.labels.outcome === 'valid')
      .map((sample) => Number(sample.labels.le));
    expect(bounds[0]).toBe(0.000001);
    expect(bounds.filter((bound) => bound < 0.001).length).toBeGreaterThanOrEqual(6);
  });

  it('time the store operations each request makes, by store kind and operation', async () => {
    const before = await s.scrape();
    const account = await s.signUp();
    await s.send('POST', '/auth/refresh', { body: { refreshToken: account.refreshToken } });
    const moved = delta(before, await s.scrape());
    const count = (operation: string) =>
      moved('jwtgate_store_operation_duration_seconds_count', { store: 'sql', operation });
    // Registration looks the name up and creates the user; login reads the user and creates a session.
    expect(count('users.create')).toBe(1);
    expect(count('users.findByUsernameKey')).toBeGreaterThanOrEqual(2);
    expect(count('sessions.create')).toBe(1);
    expect(count('sessions.rotate')).toBe(1);
    expect(moved('jwtgate_store_operation_duration_seconds_sum', { store: 'sql' })).toBeGreaterThan(0);
    expect(moved('jwtgate_store_operation_errors_total')).toBe(0);
    // Without Redis there is no Redis store to measure, and attempts are counted in memory.
    expect((await s.scrapeText()).includes('store="redis"')).toBe(false);
  });

  it('report the process basics: start time, uptime, CPU, memory and event-loop delay', async () => {
    await s.scrape(); // starts a fresh event-loop window
    await new Promise((resolve) => setTimeout(resolve, 200));
    const scrape = await s.scrape();
    const now = Date.now() / 1000;
    const started = scrape.value('process_start_time_seconds') as number;
    expect(started).toBeLessThan(now);
    expect(started).toBeGreaterThan(now - 86_400);
    expect(scrape.value('process_uptime_seconds')).toBeCloseTo(now - started, -1);
    expect(scrape.value('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(scrape.value('process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
    expect(scrape.value('nodejs_heap_used_bytes')).toBeGreaterThan(1_000_000);
    expect(scrape.value('nodejs_heap_total_bytes')).toBeGreaterThanOrEqual(scrape.value('nodejs_heap_used_bytes') ?? 0);
    const p99 = scrape.value('nodejs_eventloop_delay_p99_seconds') as number;
    expect(p99).toBeGreaterThan(0);
    expect(p99).toBeLessThanOrEqual(scrape.value('nodejs_eventloop_delay_max_seconds') as number);
    expect(scrape.value('nodejs_eventloop_delay_p50_seconds')).toBeLessThanOrEqual(p99);
  });

  /** A scrape once every kind of series has moved, and the account that moved them. */
  async function scrapeAfterEveryKind() {
    const account = await s.signUp();
    await s.send('POST', '/auth/login', { body: { username: account.username, password: 'wrong password' } });
    await s.send('POST', '/auth/refresh', { body: { refreshToken: account.refreshToken } });
    return { account, text: await s.scrapeText() };
  }

  it.runIf(hasTool('promtool'))('pass promtool once every kind of series has moved', async () => {
    const { text } = await scrapeAfterEveryKind();
    expect(checkWithPromtool(text)).toBe('');
  });

  it('never carry a user id, username, address or token, once every kind of series has moved', async () => {
    const { account, text } = await scrapeAfterEveryKind();
    for (const secret of [account.userId, account.username, account.accessToken, account.refreshToken]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain(decodeJwt(account.accessToken).payload.sid as string);
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain(PASSWORD);
  });
});

describe('metrics of an unavailable store', () => {
  let s: ListeningServer;
  beforeAll(async () => {
    s = await startListeningServer({ env: { JWTGATE_DATABASE_TIMEOUT: '100' } });
  });
  afterAll(() => s.close());

  it('count the 503 answers by the backend that failed', async () => {
    const account = await s.signUp();
    const before = await s.scrape();
    const locker = new BetterSqlite3(databasePath(s.t.dataDir));
    try {
      locker.exec('BEGIN EXCLUSIVE');
      const login = await s.send('POST', '/auth/login', { body: { username: account.username, password: PASSWORD } });
      expect(login.body.error.code).toBe('ERR_STORE_UNAVAILABLE');
      const register = await s.send('POST', '/auth/register', { body: { username: 'blocked', password: PASSWORD } });
      expect(register.body.error.code).toBe('ERR_STORE_UNAVAILABLE');
    } finally {
      locker.close();
    }
    const moved = delta(before, await s.scrape());
    expect(moved('jwtgate_store_errors_total', { backend: 'database' })).toBe(2);
    // Each store operation that failed, counted where it failed. The database is in WAL mode, so the
    // user lookups still read; the writes wait for the lock: the login's new session, the new user.
    const failed = (operation: string) => moved('jwtgate_store_operation_errors_total', { store: 'sql', operation });
    expect(failed('sessions.create')).toBe(1);
    expect(failed('users.create')).toBe(1);
    expect(failed('users.findByUsernameKey')).toBe(0);
    expect(moved('jwtgate_store_operation_errors_total')).toBe(2);
    // Failed operations are timed too: each waited at least the database's 100 ms timeout.
    const waited = moved('jwtgate_store_operation_duration_seconds_sum', { store: 'sql', operation: 'users.create' });
    expect(waited).toBeGreaterThanOrEqual(0.1);
    expect(moved('jwtgate_store_errors_total', { backend: 'redis' })).toBe(0);
    expect(moved('jwtgate_http_requests_total', { route: '/auth/login', status: '5xx' })).toBe(1);
    // A store failure is neither a successful nor a failed login.
    expect(moved('jwtgate_logins_total')).toBe(0);
  });
});

describe('the revocation list gauge', () => {
  let s: ListeningServer;
  beforeAll(async () => {
    s = await startListeningServer();
  });
  afterAll(() => s.close());

  it('reports how many revoked sessions this instance remembers', async () => {
    const account = await s.signUp();
    const second = await s.send('POST', '/auth/login', { body: { username: account.username, password: PASSWORD } });
    expect((await s.scrape()).value('jwtgate_revocation_list_entries')).toBe(0);
    await s.send('POST', '/auth/logout', { token: account.accessToken });
    expect((await s.scrape()).value('jwtgate_revocation_list_entries')).toBe(1);
    await s.send('POST', '/auth/logout', { token: second.body.accessToken });
    expect((await s.scrape()).value('jwtgate_revocation_list_entries')).toBe(2);
    expect(s.t.server.sessions.revocations.size).toBe(2);
  });

  it('is left out without Redis, where there is no revocation feed to be connected to', async () => {
    expect((await s.scrape()).value('jwtgate_revocation_feed_connected')).toBeUndefined();
  });
});

describe('a server with metrics left off (the default)', () => {
  let s: ListeningServer;
  beforeAll(async () => {
    s = await startListeningServer({ metrics: false });
  });
  afterAll(() => s.close());

  it('opens no metrics listener and answers /metrics with 404', async () => {
    expect(s.t.server.config.metrics.enabled).toBe(false);
    expect(s.t.server.metrics).toBeUndefined();
    expect(s.t.server.metricsUrl).toBeUndefined();
    expect((await s.send('GET', '/metrics')).status).toBe(404);
  });
});

describe('a metrics port already taken', () => {
  it('stops listen() with the settings named, before the API listens', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as { port: number }).port;
    const t = await startTestServer({
      env: { JWTGATE_PORT: '0', JWTGATE_METRICS_ENABLED: 'true', JWTGATE_METRICS_PORT: String(port) },
    });
    try {
      await expect(t.server.listen()).rejects.toThrow(
        `Metrics.Host, Metrics.Port: the metrics listener cannot listen on 127.0.0.1:${port} (EADDRINUSE)`,
      );
      expect(t.server.app.server.listening).toBe(false);
      expect(t.server.metricsUrl).toBeUndefined();
    } finally {
      await t.close();
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
