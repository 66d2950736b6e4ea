import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ALERT_CLASSES, ALERTING_EVENTS } from '../../src/audit/alert-classes.js';
import { createAlertQueue, type QueuedAlert } from '../../src/audit/alert-queue.js';
import type { AuditRecord } from '../../src/audit/audit-record.js';

let seconds = 0;
/** A record of `event` with a fresh id and a later `at` than the one before. */
function record(event: string, fields: Record<string, unknown> = {}): AuditRecord {
  seconds += 1;
  return {
    audit: true,
    auditVersion: 1,
    id: randomUUID(),
    at: new Date(Date.UTC(2026, 11, 4, 0, 0, seconds)).toISOString(),
    event,
    ip: '203.0.113.7',
    userAgent: null,
    ...fields,
  } as AuditRecord;
}
const reuse = (userId = 'victim') => record('session.reuse-detected', { userId, sessionId: 'S', generation: 1 });
const throttled = (usernameDigest = 'D1') => record('login.rate-limited', { usernameDigest, retryAfterSec: 60 });

function takeAll(queue: ReturnType<typeof createAlertQueue>): QueuedAlert[] {
  const taken: QueuedAlert[] = [];
  for (let alert = queue.take(); alert !== undefined; alert = queue.take()) taken.push(alert);
  return taken;
}

describe('the alert queue', () => {
  it('classes every alerting event, the ones that say someone may be in an account as high', () => {
    expect([...ALERTING_EVENTS].sort()).toEqual(Object.keys(ALERT_CLASSES).sort());
    const highs = Object.entries(ALERT_CLASSES)
      .filter(([, c]) => c?.severity === 'high')
      .map(([event]) => event);
    expect(highs).toEqual(
      expect.arrayContaining(['session.reuse-detected', 'mfa.recovery-code-used', 'admin.user-changed']),
    );
    expect(ALERT_CLASSES['login.rate-limited']?.severity).toBe('low');
  });

  it('never drops a high alert to make room for a low one: lows give way, the oldest first', () => {
    const queue = createAlertQueue({ capacity: 3, windowMs: 60_000 });
    const high = reuse();
    expect(queue.add(high, 0).dropped).toEqual([]);
    const lows = ['A', 'B', 'C', 'D', 'E'].map((name) => throttled(name));
    const dropped = lows.flatMap((low) => queue.add(low, 0).dropped);
    // Two lows fit beside the high; every low after that pushes out the oldest low, never the high.
    expect(dropped.map((d) => [d.alert.record.id, d.why])).toEqual([
      [lows[0]?.id, 'queue full'],
      [lows[1]?.id, 'queue full'],
      [lows[2]?.id, 'queue full'],
    ]);
    expect(takeAll(queue).map((a) => a.record.id)).toEqual([high.id, lows[3]?.id, lows[4]?.id]);
  });

  it('makes room for a high by dropping a low, and sends highs before lows', () => {
    const queue = createAlertQueue({ capacity: 2, windowMs: 60_000 });
    const lows = [throttled('A'), throttled('B')];
    for (const low of lows) queue.add(low, 0);
    const highs = [reuse('u1'), reuse('u2')];
    const dropped = highs.flatMap((high) => queue.add(high, 0).dropped);
    expect(dropped.map((d) => d.alert.record.id)).toEqual([lows[0]?.id, lows[1]?.id]);
    // A low arriving at a queue full of highs is the one dropped.
    const late = throttled('C');
    expect(queue.add(late, 0).dropped.map((d) => d.alert.record.id)).toEqual([late.id]);
    expect(takeAll(queue).map((a) => a.record.id)).toEqual(highs.map((h) => h.id));
  });

  it('when highs alone fill it, drops the oldest high of the account with most waiting, not the victim', () => {
    const queue = createAlertQueue({ capacity: 4, windowMs: 60_000 });
    const victim = reuse('victim');
    queue.add(victim, 0);
    const flood = Array.from({ length: 10 }, () => reuse('attacker'));
    const dropped = flood.flatMap((high) => queue.add(high, 0).dropped);
    expect(dropped).toHaveLength(7);
    expect(dropped.every((d) => d.why === 'queue full of high alerts')).toBe(true);
    expect(dropped.map((d) => d.alert.record.id)).not.toContain(victim.id);
    const left = takeAll(queue);
    expect(left.map((a) => a.record.id)).toEqual([victim.id, ...flood.slice(7).map((h) => h.id)]);
  });

  it('sends the first low of a group at once and counts the rest of its window into one aggregate', () => {
    const queue = createAlertQueue({ capacity: 100, windowMs: 1_000 });
    const flood = Array.from({ length: 1_100 }, () => throttled('D1'));
    const aggregated = flood.map((low, n) => queue.add(low, n % 1_000).aggregated);
    expect(aggregated.filter(Boolean)).toHaveLength(1_099);
    expect(queue.size).toBe(1);
    expect(queue.take()?.record.id).toBe(flood[0]?.id);
    // Nothing more until the window closes.
    expect(queue.closeDueWindows(999)).toEqual([]);
    expect(queue.take()).toBeUndefined();
    expect(queue.nextWindowDue()).toBe(1_000);
    queue.closeDueWindows(1_000);
    const summary = queue.take();
    expect(summary?.record.id).toBe(flood[1_099]?.id);
    expect(summary?.aggregate).toEqual({
      count: 1_099,
      firstAt: flood[1]?.at,
      lastAt: flood[1_099]?.at,
      windowSeconds: 1,
      by: 'usernameDigest',
    });
    expect(queue.nextWindowDue()).toBeUndefined();
    // The next record after the window opens a new one and is sent at once.
    expect(queue.add(throttled('D1'), 1_500).aggregated).toBe(false);
  });

  it('closes a window with one record and no repeat without an aggregate', () => {
    const queue = createAlertQueue({ capacity: 10, windowMs: 1_000 });
    queue.add(throttled('D1'), 0);
    queue.take();
    queue.closeDueWindows(5_000);
    expect(queue.take()).toBeUndefined();
  });

  it('keeps groups apart, and past its groups per event folds the rest into one window of the event', () => {
    const queue = createAlertQueue({ capacity: 100, windowMs: 1_000, groupsPerEvent: 3 });
    const spray = Array.from({ length: 50 }, (_, n) => throttled(`name-${n}`));
    const aggregated = spray.map((low) => queue.add(low, 0).aggregated);
    // Three groups and the event's own window each sent their first; the other 46 were counted.
    expect(aggregated.filter((a) => !a)).toHaveLength(4);
    expect(takeAll(queue)).toHaveLength(4);
    queue.closeDueWindows(1_000);
    const [summary] = takeAll(queue);
    expect(summary?.aggregate).toMatchObject({ count: 46, by: 'event' });
    // The windows closed, so the groups are free again.
    expect(queue.add(throttled('name-0'), 1_001).aggregated).toBe(false);
  });

  it('never aggregates highs, and ignores events that raise no alert', () => {
    const queue = createAlertQueue({ capacity: 10, windowMs: 60_000 });
    expect(queue.add(reuse(), 0).aggregated).toBe(false);
    expect(queue.add(reuse(), 0).aggregated).toBe(false);
    expect(queue.add(record('session.refreshed', { userId: 'u', sessionId: 's', generation: 1 }), 0).accepted).toBe(
      false,
    );
    expect(queue.size).toBe(2);
  });

  it('puts a low back at the front of its lane, after any high', () => {
    const queue = createAlertQueue({ capacity: 10, windowMs: 60_000 });
    const [a, b] = [throttled('A'), throttled('B')];
    queue.add(a, 0);
    queue.add(b, 0);
    const first = queue.take() as QueuedAlert;
    first.attempts = 2;
    const high = reuse();
    queue.add(high, 0);
    queue.putBack(first);
    const order = takeAll(queue);
    expect(order.map((x) => x.record.id)).toEqual([high.id, a.id, b.id]);
    expect(order[1]?.attempts).toBe(2);
  });

  it('hands back everything at shutdown, the counts of open windows included', () => {
    const queue = createAlertQueue({ capacity: 10, windowMs: 60_000 });
    queue.add(reuse(), 0);
    queue.add(throttled('A'), 0);
    queue.add(throttled('A'), 0);
    queue.add(throttled('A'), 0);
    const left = queue.drain();
    expect(left.map((a) => a.aggregate?.count ?? 1)).toEqual([1, 1, 2]);
    expect(queue.size).toBe(0);
    expect(queue.nextWindowDue()).toBeUndefined();
  });
});
