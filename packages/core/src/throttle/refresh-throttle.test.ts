import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { createMemoryAttemptStore } from './memory-attempt-store.js';
import { createRefreshThrottle, type RefreshRateExceeded } from './refresh-throttle.js';

const policy = { maxFailuresPerIp: 3, failureWindowSec: 600, maxPerSession: 4, sessionWindowSec: 300 };

async function retryAfterOf(promise: Promise<unknown>): Promise<number> {
  const error = await promise.then(
    () => expect.unreachable('the refresh was admitted'),
    (e: unknown) => e as { code: string; headers?: Record<string, string> },
  );
  expect(error.code).toBe('ERR_RATE_LIMITED');
  return Number(error.headers?.['retry-after']);
}

describe('the refresh throttle', () => {
  it('refuses a network after too many refused refreshes, until the window ends', async () => {
    const clock = createManualClock(0);
    const throttle = createRefreshThrottle({ store: createMemoryAttemptStore(), clock, policy });
    for (let i = 0; i < 3; i++) await (await throttle.reserve({ sessionId: null, ip: '203.0.113.5' })).refused();
    expect(await retryAfterOf(throttle.reserve({ sessionId: null, ip: '203.0.113.5' }))).toBe(600);
    await expect(throttle.reserve({ sessionId: null, ip: '203.0.113.6' })).resolves.toBeDefined();
    clock.advance(600_000);
    await expect(throttle.reserve({ sessionId: null, ip: '203.0.113.5' })).resolves.toBeDefined();
  });

  it('does not count refreshes that were not refused against the network', async () => {
    const clock = createManualClock(0);
    const throttle = createRefreshThrottle({
      store: createMemoryAttemptStore(),
      clock,
      policy: { ...policy, maxPerSession: 0 },
    });
    for (let i = 0; i < 10; i++) await throttle.reserve({ sessionId: 's1', ip: '203.0.113.5' });
    await expect(throttle.reserve({ sessionId: 's1', ip: '203.0.113.5' })).resolves.toBeDefined();
  });

  it('refuses a session refreshed too often, tells once per window, and recovers after it', async () => {
    const clock = createManualClock(0);
    const told: RefreshRateExceeded[] = [];
    const throttle = createRefreshThrottle({
      store: createMemoryAttemptStore(),
      clock,
      policy,
      onRateExceeded: (event) => told.push(event),
    });
    const attempt = { sessionId: 'session-a', ip: '203.0.113.5', userAgent: 'test' };
    for (let i = 0; i < 4; i++) await throttle.reserve(attempt);
    clock.advance(100_000);
    expect(await retryAfterOf(throttle.reserve(attempt))).toBe(200);
    expect(await retryAfterOf(throttle.reserve({ ...attempt, ip: '198.51.100.1' }))).toBe(200);
    expect(told).toEqual([{ sessionId: 'session-a', ip: '203.0.113.5', userAgent: 'test', retryAfterSec: 200 }]);
    await expect(throttle.reserve({ ...attempt, sessionId: 'session-b' })).resolves.toBeDefined();
    clock.advance(200_000);
    await expect(throttle.reserve(attempt)).resolves.toBeDefined();
    for (let i = 0; i < 4; i++) await throttle.reserve(attempt).catch(() => {});
    expect(told).toHaveLength(2);
  });

  it("takes a session's count back when its refresh could not be judged, so an outage spends no allowance", async () => {
    const clock = createManualClock(0);
    const told: RefreshRateExceeded[] = [];
    const throttle = createRefreshThrottle({
      store: createMemoryAttemptStore(),
      clock,
      policy,
      onRateExceeded: (event) => told.push(event),
    });
    const attempt = { sessionId: 'session-c', ip: '203.0.113.5' };
    // Retries through a store outage: each is let through, then cancelled.
    for (let i = 0; i < 10; i++) await (await throttle.reserve(attempt)).cancel();
    for (let i = 0; i < 4; i++) await throttle.reserve(attempt);
    expect(await retryAfterOf(throttle.reserve(attempt))).toBe(300);
    expect(told).toHaveLength(1);
  });

  it('holds the session limit when refreshes arrive together', async () => {
    const throttle = createRefreshThrottle({ store: createMemoryAttemptStore(), clock: createManualClock(0), policy });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => throttle.reserve({ sessionId: 'burst', ip: '203.0.113.5' })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(4);
  });
});
