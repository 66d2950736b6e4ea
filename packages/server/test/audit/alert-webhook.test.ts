import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createManualClock } from '@jwtgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ALERT_SIGNATURE_HEADER, verifyAlertSignature } from '../../src/audit/alert-signature.js';
import { createAlertWebhook } from '../../src/audit/alert-webhook.js';
import type { AuditRecord } from '../../src/audit/audit-record.js';
import { captureLog } from '../support/log-capture.js';
import { parseExposition } from '../support/prometheus-text.js';
import { startTestServer, TEST_ACCESS_SECRET, TEST_REFRESH_SECRET, type TestServer } from '../support/test-server.js';

const WEBHOOK_SECRET = 'the webhook signing secret, 32 bytes or more';

interface Delivery {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A real HTTP receiver on loopback; `answer` decides what each delivery gets (or never gets). */
async function startReceiver(answer: (delivery: Delivery, response: ServerResponse, n: number) => void) {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const delivery = { headers: request.headers, body };
      deliveries.push(delivery);
      answer(delivery, response, deliveries.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/jwtgate`,
    deliveries,
    async waitFor(count: number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (deliveries.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(deliveries.length).toBeGreaterThanOrEqual(count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

describe('the alert webhook', () => {
  let t: TestServer | undefined;
  let receiver: Receiver | undefined;
  const log = captureLog();
  afterEach(async () => {
    await t?.close();
    await receiver?.close();
    t = undefined;
    receiver = undefined;
  });

  async function start(answer: Parameters<typeof startReceiver>[0], env: Record<string, string> = {}) {
    receiver = await startReceiver(answer);
    t = await startTestServer({
      env: { JWTGATE_ALERTS_WEBHOOK_URL: receiver.url, JWTGATE_ALERTS_WEBHOOK_SECRET: WEBHOOK_SECRET, ...env },
      logger: { level: 'warn', stream: log.stream },
    });
    return { t, receiver };
  }

  /** Logs in, rotates, and presents the first refresh token again past the grace window. */
  async function detectReuse(server: TestServer) {
    const user = await server.signUp();
    const rotated = await server.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: user.refreshToken },
    });
    expect(rotated.statusCode).toBe(200);
    server.clock.advance(11_000);
    const started = Date.now();
    const reused = await server.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: user.refreshToken },
    });
    const ms = Date.now() - started;
    expect(reused.json().error.code).toBe('ERR_REFRESH_TOKEN_REUSED');
    return { user, rotated: rotated.json(), ms };
  }

  it('receives a signed POST for a reuse detection, with no token in it', async () => {
    const { t, receiver } = await start((_delivery, response) => response.writeHead(204).end());
    const { user, rotated } = await detectReuse(t);
    await receiver.waitFor(1);
    const delivery = receiver.deliveries.find((d) => d.headers['x-jwtgate-event'] === 'session.reuse-detected');
    expect(delivery).toBeDefined();
    const { headers, body } = delivery as Delivery;
    expect(headers['content-type']).toBe('application/json');
    const payload = JSON.parse(body);
    expect(payload).toMatchObject({
      type: 'jwtgate.alert',
      event: 'session.reuse-detected',
      record: { event: 'session.reuse-detected', userId: user.userId, generation: 0, audit: true },
    });
    expect(headers['x-jwtgate-delivery']).toBe(payload.record.id);
    const signature = headers[ALERT_SIGNATURE_HEADER] as string;
    const nowSec = t.clock.now() / 1000;
    expect(verifyAlertSignature(WEBHOOK_SECRET, signature, body, nowSec)).toBe(true);
    // A receiver refuses a changed body, another secret, and the same delivery replayed later.
    expect(verifyAlertSignature(WEBHOOK_SECRET, signature, body.replace('reuse', 'ruse'), nowSec)).toBe(false);
    expect(verifyAlertSignature(`${WEBHOOK_SECRET}!`, signature, body, nowSec)).toBe(false);
    expect(verifyAlertSignature(WEBHOOK_SECRET, signature, body, nowSec + 301)).toBe(false);
    for (const secret of [
      user.refreshToken,
      user.accessToken,
      rotated.refreshToken,
      rotated.accessToken,
      user.password,
    ]) {
      expect(body).not.toContain(secret);
    }
    for (const secret of [TEST_ACCESS_SECRET, TEST_REFRESH_SECRET, WEBHOOK_SECRET]) expect(body).not.toContain(secret);
  });

  it('tries again after a 500, with the same delivery id and a fresh signature', async () => {
    const { t, receiver } = await start((_delivery, response, n) => response.writeHead(n === 1 ? 500 : 200).end());
    await detectReuse(t);
    await receiver.waitFor(2);
    const [first, second] = receiver.deliveries as [Delivery, Delivery];
    expect(second.headers['x-jwtgate-delivery']).toBe(first.headers['x-jwtgate-delivery']);
    expect(second.body).toBe(first.body);
    expect(
      verifyAlertSignature(
        WEBHOOK_SECRET,
        second.headers[ALERT_SIGNATURE_HEADER] as string,
        second.body,
        t.clock.now() / 1000,
      ),
    ).toBe(true);
    expect(log.lines().some((line) => line.msg === 'alert failed')).toBe(false);
  });

  /** The payloads received so far of `event`. */
  function payloadsOf(from: Receiver, event: string) {
    return from.deliveries.filter((d) => d.headers['x-jwtgate-event'] === event).map((d) => JSON.parse(d.body));
  }

  /** How many records the deliveries of `event` stand for: one each, or an aggregate's count. */
  function recordsIn(from: Receiver, event: string): number {
    return payloadsOf(from, event).reduce((sum, payload) => sum + (payload.aggregate?.count ?? 1), 0);
  }

  async function eventually(check: () => boolean, timeoutMs: number, what: string) {
    const deadline = Date.now() + timeoutMs;
    while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(check(), what).toBe(true);
  }

  /** Logs in as `username` from `ip` with a wrong password, `count` times; answers by status. */
  async function hammer(server: TestServer, ip: string, names: (n: number) => string, count: number) {
    const statuses = new Map<number, number>();
    for (let n = 0; n < count; n++) {
      const answer = await server.server.app.inject({
        method: 'POST',
        url: '/auth/login',
        remoteAddress: ip,
        payload: { username: names(n), password: 'not the password at all' },
      });
      statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
    }
    return statuses;
  }

  function scrape(server: TestServer) {
    return parseExposition(server.server.metrics?.registry.render() ?? '');
  }

  it('delivers a reuse detection that follows 1,100 rate-limited logins, and the logins as a few aggregates', async () => {
    const windowSec = 2;
    const { t, receiver } = await start((_delivery, response) => response.writeHead(204).end(), {
      JWTGATE_ALERTS_AGGREGATION_WINDOW: String(windowSec),
      JWTGATE_METRICS_ENABLED: 'true',
      JWTGATE_METRICS_PORT: '0',
    });
    const target = await t.signUp();
    const started = Date.now();
    const statuses = await hammer(t, '198.51.100.9', () => target.username, 1_110);
    const throttled = statuses.get(429) ?? 0;
    expect(throttled).toBeGreaterThanOrEqual(1_080);
    const { user } = await detectReuse(t);
    await eventually(() => payloadsOf(receiver, 'session.reuse-detected').length === 1, 15_000, 'reuse alert');
    expect(payloadsOf(receiver, 'session.reuse-detected')[0]).toMatchObject({
      severity: 'high',
      record: { userId: user.userId },
    });
    // Every throttled login is accounted for once the last window closes: by itself, or in an aggregate's count.
    await eventually(
      () => recordsIn(receiver, 'login.rate-limited') === throttled,
      15_000 + windowSec * 1000,
      'throttled logins',
    );
    const elapsedSec = (Date.now() - started) / 1000;
    const throttledAlerts = payloadsOf(receiver, 'login.rate-limited');
    // The first of each window at once, the rest of it as one aggregate.
    expect(throttledAlerts.length).toBeLessThanOrEqual(2 * Math.ceil(elapsedSec / windowSec) + 2);
    expect(throttledAlerts.length).toBeLessThan(40);
    const aggregates = throttledAlerts.filter((payload) => payload.aggregate !== undefined);
    expect(aggregates.length).toBeGreaterThanOrEqual(1);
    for (const payload of aggregates) {
      expect(payload.severity).toBe('low');
      expect(payload.aggregate).toMatchObject({ by: 'usernameDigest', windowSeconds: windowSec });
      expect(payload.aggregate.count).toBeGreaterThan(0);
      expect(Date.parse(payload.aggregate.firstAt)).toBeLessThanOrEqual(Date.parse(payload.aggregate.lastAt));
      expect(payload.record.usernameDigest).toBe(throttledAlerts[0].record.usernameDigest);
    }
    const metrics = scrape(t);
    expect(metrics.value('jwtgate_alerts_aggregated_total', { severity: 'low' })).toBe(
      throttled - (throttledAlerts.length - aggregates.length),
    );
    expect(metrics.sum('jwtgate_alerts_dropped_total')).toBe(0);
  }, 60_000);

  it('keeps a reuse detection through a webhook that is down, then slow, while a spray of names floods the queue', async () => {
    let up = false;
    const linesBefore = log.lines().length;
    const { t, receiver } = await start(
      (_delivery, response) => {
        if (up) setTimeout(() => response.writeHead(204).end(), 200);
        else response.writeHead(503).end();
      },
      {
        JWTGATE_ALERTS_QUEUE_SIZE: '10',
        JWTGATE_ALERTS_AGGREGATION_WINDOW: '2',
        JWTGATE_LOGIN_MAX_FAILURES_PER_IP: '3',
        JWTGATE_METRICS_ENABLED: 'true',
        JWTGATE_METRICS_PORT: '0',
      },
    );
    // One address, a new name each time: past 3 failures every one is throttled, and each is a group of its own.
    const before = await hammer(t, '198.51.100.9', (n) => `sprayed-${n}`, 100);
    await receiver.waitFor(1);
    const { ms } = await detectReuse(t);
    // The flood goes on behind the reuse detection, 100 times the queue's size.
    const after = await hammer(t, '198.51.100.9', (n) => `sprayed-again-${n}`, 1_000);
    expect((before.get(429) ?? 0) + (after.get(429) ?? 0)).toBeGreaterThanOrEqual(1_090);
    up = true;
    // The webhook being down held no request up.
    expect(ms).toBeLessThan(2_000);
    await eventually(() => payloadsOf(receiver, 'session.reuse-detected').length >= 1, 30_000, 'reuse alert');
    const metrics = scrape(t);
    // Lows were dropped to stay within 10; no high was.
    expect(metrics.value('jwtgate_alerts_dropped_total', { severity: 'low', reason: 'queue-full' })).toBeGreaterThan(0);
    expect(metrics.sum('jwtgate_alerts_dropped_total', { severity: 'high' })).toBe(0);
    expect(metrics.value('jwtgate_alerts_aggregated_total', { severity: 'low' })).toBeGreaterThan(0);
    const dropLines = log
      .lines()
      .slice(linesBefore)
      .filter((line) => line.msg === 'alert dropped');
    expect(dropLines.filter((line) => line.severity === 'high')).toEqual([]);
    expect(dropLines.some((line) => line.severity === 'low')).toBe(true);
  }, 90_000);

  it('never holds the refresh answer up while the receiver hangs', async () => {
    const { t, receiver } = await start(() => {
      // Never answers.
    });
    const first = await detectReuse(t);
    await receiver.waitFor(1);
    // A second reuse detection while the first delivery still hangs: answered as fast.
    const second = await detectReuse(t);
    expect(first.ms).toBeLessThan(1_000);
    expect(second.ms).toBeLessThan(1_000);
    expect(receiver.deliveries).toHaveLength(1);
  });
});

describe('the alert webhook on its own', () => {
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  const alert = (): AuditRecord => ({
    audit: true,
    auditVersion: 1,
    id: randomUUID(),
    at: new Date().toISOString(),
    event: 'session.reuse-detected',
    sessionId: 'S',
    userId: 'U',
    generation: 0,
    ip: null,
    userAgent: null,
  });

  function webhookTo(url: string, overrides: Partial<Parameters<typeof createAlertWebhook>[0]> = {}) {
    const outcomes: string[] = [];
    const attempts: string[] = [];
    const webhook = createAlertWebhook({
      url,
      clock: createManualClock(Date.now()),
      retryMs: 10,
      attempts: 3,
      timeoutMs: 2_000,
      onOutcome: (outcome, _record, why) => outcomes.push(`${outcome}${why === undefined ? '' : `: ${why}`}`),
      onAttemptFailed: (why) => attempts.push(why),
      ...overrides,
    });
    return { webhook, outcomes, attempts };
  }

  it('gives up after its attempts on 5xx, at once on a 4xx, and sends only alerting events', async () => {
    receiver = await startReceiver((delivery, response) =>
      response.writeHead(delivery.headers['x-jwtgate-delivery'] === 'gone' ? 410 : 503).end(),
    );
    const { webhook, outcomes, attempts } = webhookTo(receiver.url);
    webhook.notify(alert());
    webhook.notify({ ...alert(), id: 'gone' });
    webhook.notify({ ...alert(), event: 'session.refreshed' } as AuditRecord);
    await webhook.idle();
    expect(outcomes).toEqual(['failed: status 503', 'failed: status 410']);
    expect(attempts).toEqual(['status 503', 'status 503', 'status 503', 'status 410']);
    expect(receiver.deliveries).toHaveLength(4);
    // Without a secret, no signature header at all rather than an empty one.
    expect(receiver.deliveries[0]?.headers[ALERT_SIGNATURE_HEADER]).toBeUndefined();
    await webhook.close();
  });

  it('cuts short the back-off of a low alert when a high one arrives, and sends the high first', async () => {
    receiver = await startReceiver((delivery, response) =>
      response.writeHead(delivery.headers['x-jwtgate-event'] === 'login.rate-limited' ? 503 : 204).end(),
    );
    const { webhook, outcomes } = webhookTo(receiver.url, { retryMs: 20_000, attempts: 2 });
    const low = { ...alert(), event: 'login.rate-limited', usernameDigest: 'D', retryAfterSec: 60 } as AuditRecord;
    webhook.notify(low);
    await receiver.waitFor(1);
    const started = Date.now();
    webhook.notify(alert());
    await receiver.waitFor(2, 5_000);
    // Well before the low's 20 s back-off ended.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(receiver.deliveries[1]?.headers['x-jwtgate-event']).toBe('session.reuse-detected');
    // The low, put back with its one attempt made, gets its second and last right after.
    await receiver.waitFor(3, 5_000);
    await webhook.idle();
    expect(receiver.deliveries[2]?.headers['x-jwtgate-event']).toBe('login.rate-limited');
    expect(outcomes).toEqual(['delivered', 'failed: status 503']);
    await webhook.close();
  });

  it('drops the oldest waiting alert past its bound, and what is left at shutdown, counting each', async () => {
    receiver = await startReceiver(() => {
      // Never answers: the first alert holds the line.
    });
    const { webhook, outcomes } = webhookTo(receiver.url, { maxQueue: 1 });
    webhook.notify(alert());
    await receiver.waitFor(1);
    webhook.notify(alert());
    webhook.notify(alert());
    expect(outcomes).toEqual(['dropped: queue full of high alerts']);
    await webhook.close();
    expect(outcomes).toEqual(['dropped: queue full of high alerts', 'dropped: shutdown', 'dropped: shutdown']);
  });
});
