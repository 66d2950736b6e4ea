import type { Clock } from '@jwtgate/core';
import { type AlertSeverity, alertClassOf } from './alert-classes.js';
import { createAlertQueue, type DroppedAlert, type QueuedAlert } from './alert-queue.js';
import { ALERT_SIGNATURE_HEADER, signAlert } from './alert-signature.js';
import type { AuditRecord } from './audit-record.js';

/** Options of {@link createAlertWebhook}. */
export interface AlertWebhookOptions {
  /** `Alerts.WebhookUrl`. */
  readonly url: string;
  /** `Alerts.WebhookSecret`: signs every delivery when set. */
  readonly secret?: string | undefined;
  readonly clock: Clock;
  /** Alerts waiting at most (`Alerts.QueueSize`, default 1000); see {@link createAlertQueue} for which go first. */
  readonly maxQueue?: number;
  /** Low-severity records of one group within this many milliseconds become one alert (default 60 s). */
  readonly aggregationWindowMs?: number;
  /** A monotonic clock in milliseconds, for aggregation windows (default `performance.now`). */
  readonly monotonicNow?: () => number;
  /** Attempts per alert, the first included (default 5). */
  readonly attempts?: number;
  /** Bound on one attempt, connecting included (default 5 s). */
  readonly timeoutMs?: number;
  /** Wait before the second attempt (default 1 s); doubles for each further one. */
  readonly retryMs?: number;
  /** An alert delivered, given up on (`failed`) or dropped (queue full, shutdown). */
  readonly onOutcome?: (
    outcome: 'delivered' | 'failed' | 'dropped',
    record: AuditRecord,
    why: string | undefined,
    severity: AlertSeverity,
  ) => void;
  /** A low-severity record counted into an aggregate alert rather than sent on its own. */
  readonly onAggregated?: (record: AuditRecord) => void;
  /** One attempt failed; `why` is a status or error name, never a URL or body. */
  readonly onAttemptFailed?: (why: string, attempt: number) => void;
}

/** Posts alerting audit records to the operator's webhook. */
export interface AlertWebhook {
  /** Queues the record when its event is an alerting one; returns at once and never throws. */
  notify(record: AuditRecord): void;
  /**
   * Resolves once every queued alert was delivered or given up on (for tests
   * and shutdown); the aggregate of a window still open is queued when it closes.
   */
  idle(): Promise<void>;
  /** Stops: the attempt under way is cut short, queued alerts are dropped and counted. */
  close(): Promise<void>;
}

/** The severity of `record`'s event, or `undefined` when it raises no alert. */
function alertSeverityOf(record: AuditRecord): AlertSeverity | undefined {
  return alertClassOf(record.event)?.severity;
}

/** Statuses worth another attempt: the receiver is busy or broken, not refusing this alert. */
function isRetriable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** The body of one delivery: the record as logged, and for an aggregate what it stands for. */
function payloadOf(alert: QueuedAlert): string {
  const { record, aggregate } = alert;
  return JSON.stringify({
    type: 'jwtgate.alert',
    event: record.event,
    severity: alert.severity,
    record,
    ...(aggregate === undefined ? {} : { aggregate }),
  });
}

/**
 * Creates the alert webhook: every record of an alerting event (see
 * `ALERT_CLASSES`) is POSTed as JSON to `url`, signed with `secret` when one
 * is set (see {@link signAlert}). Alerts wait in a bounded queue that keeps
 * high-severity ones over low ones and folds repeated low ones into one per
 * window (see {@link createAlertQueue}), and are sent one at a time, off the
 * request path: a request only queues. Each attempt is bounded by
 * `timeoutMs`; a network error, a timeout, a 408, 429 or 5xx is tried again
 * after 1 s, 2 s, 4 s... up to `attempts` in all; any other status (4xx, or
 * a redirect, which is never followed) gives the alert up at once. A low
 * alert between two attempts gives way to a high one that arrived, and is
 * taken up again after it. Every delivery of one alert has the same
 * `X-Jwtgate-Delivery` (the record's id) for receivers to drop duplicates,
 * and a fresh timestamp and signature.
 *
 * @example
 * const webhook = createAlertWebhook({ url: config.alerts.webhookUrl, secret: config.alerts.webhookSecret, clock });
 * createAuditLog({ clock, sinks: [webhook.notify] });
 */
export function createAlertWebhook(options: AlertWebhookOptions): AlertWebhook {
  const { url, secret, clock } = options;
  const attempts = options.attempts ?? 5;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const retryMs = options.retryMs ?? 1_000;
  const monotonicNow = options.monotonicNow ?? (() => performance.now());

  const queue = createAlertQueue({
    capacity: options.maxQueue ?? 1000,
    windowMs: options.aggregationWindowMs ?? 60_000,
  });
  let running: Promise<void> | undefined;
  let windowTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const stopping = new AbortController();
  /** Cuts short the back-off of a low alert when a high one arrives. */
  let highArrived: (() => void) | undefined;

  function report(outcome: 'delivered' | 'failed' | 'dropped', alert: QueuedAlert, why?: string): void {
    options.onOutcome?.(outcome, alert.record, why, alert.severity);
  }

  function reportDropped(dropped: readonly DroppedAlert[]): void {
    for (const { alert, why } of dropped) report('dropped', alert, why);
  }

  function wait(ms: number, untilHigh: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        if (highArrived === done) highArrived = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      stopping.signal.addEventListener('abort', done, { once: true });
      if (untilHigh) highArrived = done;
    });
  }

  /** One POST; resolves to `null` when delivered, else why not and whether to try again. */
  async function attempt(alert: QueuedAlert): Promise<{ why: string; retry: boolean } | null> {
    const { record } = alert;
    const body = payloadOf(alert);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'jwtgate-alerts/1',
      'x-jwtgate-event': record.event,
      'x-jwtgate-delivery': record.id,
    };
    if (secret !== undefined) {
      headers[ALERT_SIGNATURE_HEADER] = signAlert(secret, Math.floor(clock.now() / 1000), body);
    }
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stopping.signal]),
      });
      // The body is not needed; reading it frees the connection for the next delivery.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return null;
      return { why: `status ${response.status}`, retry: isRetriable(response.status) };
    } catch (error) {
      const name = error instanceof Error ? error.name : 'error';
      return { why: name === 'TimeoutError' ? 'timeout' : name, retry: true };
    }
  }

  async function deliver(alert: QueuedAlert): Promise<void> {
    for (;;) {
      const failure = await attempt(alert);
      alert.attempts += 1;
      if (failure === null) {
        report('delivered', alert);
        return;
      }
      if (closed) {
        report('dropped', alert, 'shutdown');
        return;
      }
      options.onAttemptFailed?.(failure.why, alert.attempts);
      if (!failure.retry || alert.attempts >= attempts) {
        report('failed', alert, failure.why);
        return;
      }
      const low = alert.severity === 'low';
      if (!(low && queue.hasHigh())) await wait(retryMs * 2 ** (alert.attempts - 1), low);
      if (closed) {
        report('dropped', alert, 'shutdown');
        return;
      }
      // A low alert between attempts steps aside for a high one, keeping the attempts it has made.
      if (low && queue.hasHigh()) {
        reportDropped(queue.putBack(alert));
        return;
      }
    }
  }

  async function deliverQueued(): Promise<void> {
    // Closed is checked before taking the next alert, so close() finds and counts every one left.
    while (!closed) {
      const alert = queue.take();
      if (alert === undefined) return;
      await deliver(alert);
    }
  }

  function start(): void {
    if (running !== undefined || queue.size === 0) return;
    // Cleared in a callback, never inside the loop: a loop that ended at once must not leave itself "running".
    const current = deliverQueued().finally(() => {
      running = undefined;
      // An alert put back as the loop ended still has a sender.
      if (!closed) start();
    });
    running = current;
  }

  /** Wakes up when the earliest aggregation window closes, to queue its aggregate. */
  function watchWindows(): void {
    if (windowTimer !== undefined || closed) return;
    const due = queue.nextWindowDue();
    if (due === undefined) return;
    windowTimer = setTimeout(
      () => {
        windowTimer = undefined;
        reportDropped(queue.closeDueWindows(monotonicNow()));
        start();
        watchWindows();
      },
      Math.max(0, due - monotonicNow()),
    );
    windowTimer.unref();
  }

  return {
    notify(record) {
      if (closed) {
        const severity = alertSeverityOf(record);
        if (severity !== undefined) options.onOutcome?.('dropped', record, 'shutdown', severity);
        return;
      }
      const outcome = queue.add(record, monotonicNow());
      if (!outcome.accepted) return;
      if (outcome.aggregated) options.onAggregated?.(record);
      reportDropped(outcome.dropped);
      if (queue.hasHigh()) highArrived?.();
      start();
      watchWindows();
    },
    async idle() {
      while (running !== undefined) await running;
    },
    async close() {
      closed = true;
      clearTimeout(windowTimer);
      stopping.abort();
      await running;
      for (const alert of queue.drain()) report('dropped', alert, 'shutdown');
    },
  };
}
