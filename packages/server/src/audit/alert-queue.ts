import { type AlertGrouping, type AlertSeverity, alertClassOf, alertSubjectOf } from './alert-classes.js';
import type { AuditRecord } from './audit-record.js';

/** What an alert standing for several records says about them. */
export interface AlertAggregate {
  /** How many records of the event and group it stands for (none of them was sent on its own). */
  readonly count: number;
  /** `at` of the first and the last of them. */
  readonly firstAt: string;
  readonly lastAt: string;
  readonly windowSeconds: number;
  /** The record field they share, or `event` when only the event is shared (too many groups at once). */
  readonly by: AlertGrouping | 'event';
}

/** An alert waiting for the webhook. */
export interface QueuedAlert {
  /** The record as logged; for an aggregate, the last record of its window. */
  readonly record: AuditRecord;
  readonly severity: AlertSeverity;
  readonly aggregate?: AlertAggregate;
  /** Attempts already made at it (an alert can be put back between two). */
  attempts: number;
}

/** An alert the queue gave up to stay within its bound, and why. */
export interface DroppedAlert {
  readonly alert: QueuedAlert;
  readonly why: 'queue full' | 'queue full of high alerts';
}

/** Options of {@link createAlertQueue}. */
export interface AlertQueueOptions {
  /** Alerts waiting at most, both severities together (`Alerts.QueueSize`). */
  readonly capacity: number;
  /** `Alerts.AggregationWindow`, in milliseconds. */
  readonly windowMs: number;
  /**
   * Groups of one event with a window open at once (default 100); past it,
   * further records of the event share one window of the event as a whole.
   * Bounds memory and webhook calls when an attacker spreads over names.
   */
  readonly groupsPerEvent?: number;
}

/** What became of a record handed to {@link AlertQueue.add}. */
export interface AddOutcome {
  /** `false` for a record whose event raises no alert. */
  readonly accepted: boolean;
  /** Counted into an open window instead of being queued on its own. */
  readonly aggregated: boolean;
  /** Alerts given up to make room (possibly the new one itself). */
  readonly dropped: readonly DroppedAlert[];
}

/** The bounded, severity-aware queue of the alert webhook. */
export interface AlertQueue {
  /** Queues or aggregates an alerting record; `now` is a monotonic time in milliseconds. */
  add(record: AuditRecord, now: number): AddOutcome;
  /** Closes the windows due by `now`, queuing one aggregate for each that counted records. */
  closeDueWindows(now: number): readonly DroppedAlert[];
  /** The next alert to send: the oldest high, else the oldest low. */
  take(): QueuedAlert | undefined;
  /** Returns a taken alert to the front of its lane (a low giving way to a high between attempts). */
  putBack(alert: QueuedAlert): readonly DroppedAlert[];
  /** Whether a high alert is waiting. */
  hasHigh(): boolean;
  /** When the earliest open window closes, or `undefined` when none is open. */
  nextWindowDue(): number | undefined;
  /** Empties the queue and the open windows (shutdown): every alert that will now never be sent. */
  drain(): QueuedAlert[];
  /** Alerts waiting, both severities. */
  readonly size: number;
}

interface Window {
  readonly event: string;
  readonly by: AlertGrouping | 'event';
  readonly dueAt: number;
  count: number;
  firstAt: string;
  last: AuditRecord | undefined;
}

const DEFAULT_GROUPS_PER_EVENT = 100;

/**
 * Creates the alert queue. The policy, in full:
 *
 * - A high alert is queued on its own. A low one opens a window of
 *   `windowMs` for its event and group (`login.rate-limited` of one
 *   username) and is queued at once; the group's further records within the
 *   window are only counted, and when the window closes one aggregate
 *   alert stands for them all. A flood of one group so costs two alerts per
 *   window.
 * - Highs are sent before lows, each lane oldest first.
 * - Past `capacity`, the oldest waiting low is dropped, whatever arrives; a
 *   low arriving at a queue full of highs is itself dropped. A high is
 *   never dropped while a low waits.
 * - Only when highs alone fill the queue is a high dropped: the oldest of
 *   the subject (account, else session) with most highs waiting, so that
 *   an attacker raising highs on their own account cannot push out
 *   another's.
 *
 * It does no I/O and reads no clock: times are passed in.
 *
 * @example
 * const queue = createAlertQueue({ capacity: 1000, windowMs: 60_000 });
 * queue.add(record, performance.now());
 * const next = queue.take();
 */
export function createAlertQueue(options: AlertQueueOptions): AlertQueue {
  const { capacity, windowMs } = options;
  const groupsPerEvent = options.groupsPerEvent ?? DEFAULT_GROUPS_PER_EVENT;
  const highs: QueuedAlert[] = [];
  const lows: QueuedAlert[] = [];
  // Insertion order is opening order, and every window is as long: the first one is always the first due.
  const windows = new Map<string, Window>();
  const groupsOpen = new Map<string, number>();

  /** The high to give up when highs alone fill the queue: the oldest of the subject with most waiting. */
  function highToDrop(): number {
    const counts = new Map<string, number>();
    for (const alert of highs) {
      const subject = alertSubjectOf(alert.record);
      counts.set(subject, (counts.get(subject) ?? 0) + 1);
    }
    let victim = 0;
    let most = 0;
    highs.forEach((alert, index) => {
      const count = counts.get(alertSubjectOf(alert.record)) ?? 0;
      if (count > most) {
        most = count;
        victim = index;
      }
    });
    return victim;
  }

  /** Puts `alert` at the back (or front) of its lane, then gives up what the bound asks. */
  function enqueue(alert: QueuedAlert, atFront = false): DroppedAlert[] {
    const lane = alert.severity === 'high' ? highs : lows;
    if (atFront) lane.unshift(alert);
    else lane.push(alert);
    if (highs.length + lows.length <= capacity) return [];
    const oldestLow = lows.shift();
    if (oldestLow !== undefined) return [{ alert: oldestLow, why: 'queue full' }];
    const [high] = highs.splice(highToDrop(), 1);
    return [{ alert: high as QueuedAlert, why: 'queue full of high alerts' }];
  }

  function close(key: string, window: Window): DroppedAlert[] {
    windows.delete(key);
    if (window.by !== 'event') groupsOpen.set(window.event, (groupsOpen.get(window.event) ?? 1) - 1);
    const aggregate = aggregateOf(window);
    if (aggregate === undefined) return [];
    return enqueue(aggregate);
  }

  function aggregateOf(window: Window): QueuedAlert | undefined {
    if (window.last === undefined) return undefined;
    return {
      record: window.last,
      severity: 'low',
      attempts: 0,
      aggregate: {
        count: window.count,
        firstAt: window.firstAt,
        lastAt: window.last.at,
        windowSeconds: windowMs / 1000,
        by: window.by,
      },
    };
  }

  function closeDueWindows(now: number): DroppedAlert[] {
    const dropped: DroppedAlert[] = [];
    for (const [key, window] of windows) {
      if (window.dueAt > now) break;
      dropped.push(...close(key, window));
    }
    return dropped;
  }

  return {
    add(record, now) {
      const alertClass = alertClassOf(record.event);
      if (alertClass === undefined) return { accepted: false, aggregated: false, dropped: [] };
      if (alertClass.severity === 'high') {
        return { accepted: true, aggregated: false, dropped: enqueue({ record, severity: 'high', attempts: 0 }) };
      }
      const dropped = closeDueWindows(now);
      const group = (record as Partial<Record<AlertGrouping, unknown>>)[alertClass.groupBy];
      const groupKey = `${record.event}\u0000${alertClass.groupBy}\u0000${String(group)}`;
      const eventKey = `${record.event}\u0000*`;
      let key = groupKey;
      let window = windows.get(groupKey);
      if (
        window === undefined &&
        (typeof group !== 'string' || (groupsOpen.get(record.event) ?? 0) >= groupsPerEvent)
      ) {
        key = eventKey;
        window = windows.get(eventKey);
      }
      if (window !== undefined) {
        if (window.last === undefined) window.firstAt = record.at;
        window.count += 1;
        window.last = record;
        return { accepted: true, aggregated: true, dropped };
      }
      const by = key === eventKey ? 'event' : alertClass.groupBy;
      windows.set(key, {
        event: record.event,
        by,
        dueAt: now + windowMs,
        count: 0,
        firstAt: record.at,
        last: undefined,
      });
      if (by !== 'event') groupsOpen.set(record.event, (groupsOpen.get(record.event) ?? 0) + 1);
      dropped.push(...enqueue({ record, severity: 'low', attempts: 0 }));
      return { accepted: true, aggregated: false, dropped };
    },
    closeDueWindows,
    take() {
      return highs.shift() ?? lows.shift();
    },
    putBack(alert) {
      return enqueue(alert, true);
    },
    hasHigh() {
      return highs.length > 0;
    },
    nextWindowDue() {
      for (const window of windows.values()) return window.dueAt;
      return undefined;
    },
    drain() {
      const left = [...highs.splice(0), ...lows.splice(0)];
      for (const window of windows.values()) {
        const aggregate = aggregateOf(window);
        if (aggregate !== undefined) left.push(aggregate);
      }
      windows.clear();
      groupsOpen.clear();
      return left;
    },
    get size() {
      return highs.length + lows.length;
    },
  };
}
