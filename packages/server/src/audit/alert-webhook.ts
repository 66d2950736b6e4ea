import type { Clock } from '@jwtgate/core';
import { ALERT_SIGNATURE_HEADER, signAlert } from './alert-signature.js';
import { ALERTING_EVENTS, type AuditRecord } from './audit-record.js';

/** Options of {@link createAlertWebhook}. */
export interface AlertWebhookOptions {
  /** `Alerts.WebhookUrl`. */
  readonly url: string;
  /** `Alerts.WebhookSecret`: signs every delivery when set. */
  readonly secret?: string | undefined;
  readonly clock: Clock;
  /** Alerts held in memory at most (default 1000); past it the oldest are dropped. */
  readonly maxQueue?: number;
  /** Attempts per alert, the first included (default 5). */
  readonly attempts?: number;
  /** Bound on one attempt, connecting included (default 5 s). */
  readonly timeoutMs?: number;
  /** Wait before the second attempt (default 1 s); doubles for each further one. */
  readonly retryMs?: number;
  /** An alert delivered, given up on (`failed`) or dropped (queue full, shutdown). */
  readonly onOutcome?: (outcome: 'delivered' | 'failed' | 'dropped', record: AuditRecord, why?: string) => void;
  /** One attempt failed; `why` is a status or error name, never a URL or body. */
  readonly onAttemptFailed?: (why: string, attempt: number) => void;
}

/** Posts alerting audit records to the operator's webhook. */
export interface AlertWebhook {
  /** Queues the record when its event is an alerting one; returns at once and never throws. */
  notify(record: AuditRecord): void;
  /** Resolves once every queued alert was delivered or given up on (for tests and shutdown). */
  idle(): Promise<void>;
  /** Stops: the attempt under way is cut short, queued alerts are dropped and counted. */
  close(): Promise<void>;
}

/** Statuses worth another attempt: the receiver is busy or broken, not refusing this alert. */
function isRetriable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * Creates the alert webhook: every record whose event is in
 * `ALERTING_EVENTS` is POSTed as JSON to `url`, signed with `secret` when one
 * is set (see {@link signAlert}). Deliveries run one at a time from a bounded
 * queue, off the request path: a request only queues. Each attempt is bounded
 * by `timeoutMs`; a network error, a timeout, a 408, 429 or 5xx is tried
 * again after 1 s, 2 s, 4 s... up to `attempts` in all; any other status
 * (4xx, or a redirect, which is never followed) gives the alert up at once.
 * Every delivery of one alert has the same `X-Jwtgate-Delivery` (the record's
 * id) for receivers to drop duplicates, and a fresh timestamp and signature.
 *
 * @example
 * const webhook = createAlertWebhook({ url: config.alerts.webhookUrl, secret: config.alerts.webhookSecret, clock });
 * createAuditLog({ clock, sinks: [webhook.notify] });
 */
export function createAlertWebhook(options: AlertWebhookOptions): AlertWebhook {
  const { url, secret, clock } = options;
  const maxQueue = options.maxQueue ?? 1000;
  const attempts = options.attempts ?? 5;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const retryMs = options.retryMs ?? 1_000;

  const queue: AuditRecord[] = [];
  let running: Promise<void> | undefined;
  let closed = false;
  const stopping = new AbortController();

  function wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        stopping.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      timer.unref();
      stopping.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** One POST; resolves to `null` when delivered, else why not and whether to try again. */
  async function attempt(record: AuditRecord): Promise<{ why: string; retry: boolean } | null> {
    const body = JSON.stringify({ type: 'jwtgate.alert', event: record.event, record });
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

  async function deliver(record: AuditRecord): Promise<void> {
    for (let n = 1; ; n++) {
      const failure = await attempt(record);
      if (failure === null) {
        options.onOutcome?.('delivered', record);
        return;
      }
      if (closed) {
        options.onOutcome?.('dropped', record, 'shutdown');
        return;
      }
      options.onAttemptFailed?.(failure.why, n);
      if (!failure.retry || n >= attempts) {
        options.onOutcome?.('failed', record, failure.why);
        return;
      }
      await wait(retryMs * 2 ** (n - 1));
    }
  }

  async function deliverQueued(): Promise<void> {
    // Closed is checked before taking the next alert, so close() finds and counts every one left.
    while (!closed) {
      const record = queue.shift();
      if (record === undefined) return;
      await deliver(record);
    }
  }

  function start(): void {
    if (running !== undefined) return;
    // Cleared in a callback, never inside the loop: a loop that ended at once must not leave itself "running".
    const current = deliverQueued().finally(() => {
      running = undefined;
    });
    running = current;
  }

  return {
    notify(record) {
      if (!ALERTING_EVENTS.has(record.event)) return;
      if (closed) {
        options.onOutcome?.('dropped', record, 'shutdown');
        return;
      }
      queue.push(record);
      if (queue.length > maxQueue) {
        const oldest = queue.shift() as AuditRecord;
        options.onOutcome?.('dropped', oldest, 'queue full');
      }
      start();
    },
    async idle() {
      while (running !== undefined) await running;
    },
    async close() {
      closed = true;
      stopping.abort();
      await running;
      for (const record of queue.splice(0)) options.onOutcome?.('dropped', record, 'shutdown');
    },
  };
}
