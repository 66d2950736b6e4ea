import type { Clock } from '../clock.js';
import type { AttemptHit, AttemptStore } from './attempt-store.js';
import { clientNetwork } from './client-network.js';
import { rateLimited } from './rate-limited.js';

/** Limits on refreshes. A limit of 0 switches that limit off. */
export interface RefreshThrottlePolicy {
  /** Refused refreshes (junk, forged, spent or expired tokens) allowed from one network per window. */
  readonly maxFailuresPerIp: number;
  readonly failureWindowSec: number;
  /** Refreshes of one session allowed per window, refused or not. */
  readonly maxPerSession: number;
  readonly sessionWindowSec: number;
}

/** One refresh about to be tried. */
export interface RefreshAttempt {
  /** The session of an authentic refresh token; `null` for one that is malformed or forged. */
  readonly sessionId: string | null;
  readonly ip: string | null;
  readonly userAgent?: string | null;
}

/** A session went over its refresh rate; reported once per window. */
export interface RefreshRateExceeded {
  readonly sessionId: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly retryAfterSec: number;
}

/** Guards refreshes against token guessing and against a runaway or stolen session hammering the store. */
export interface RefreshThrottle {
  /**
   * Throws `ERR_RATE_LIMITED` (with `Retry-After`) when the network has had
   * too many refused refreshes, or the session too many refreshes, in their
   * windows; otherwise counts the refresh against its session. The returned
   * reservation settles the refresh once its outcome is known.
   */
  reserve(attempt: RefreshAttempt): Promise<RefreshReservation>;
}

/** A refresh counted up front by {@link RefreshThrottle.reserve}. */
export interface RefreshReservation {
  /** The token was refused (junk, spent, expired, revoked): counts the refusal against the network. */
  refused(): Promise<void>;
  /**
   * The refresh could not be judged (a store failed): takes its count back
   * from the session, so retries through an outage cannot use up the
   * session's allowance and end in a false alert.
   */
  cancel(): Promise<void>;
}

/**
 * Creates the throttle. Refusals are counted per network (an IPv6 /64) after
 * the fact: a refresh token carries 256 random bits and a MAC, so the limit
 * is not what stops guessing, it stops one client from making the store
 * answer junk at will, and counting only refusals keeps the one round trip
 * of a good refresh. The per-session rate counts every refresh of an
 * authentic token up front, in one atomic increment, so a burst cannot slip
 * through; forged tokens name no session and cannot spend another's
 * allowance. A session normally refreshes about once per access-token
 * lifetime, so its limit sits far above that: going over it means a client
 * in a loop or a token in several hands, and `onRateExceeded` is told once
 * per window (by the one refresh that takes the count one over the limit).
 *
 * @example
 * const throttle = createRefreshThrottle({ store, clock, policy: { maxFailuresPerIp: 100, failureWindowSec: 900, maxPerSession: 30, sessionWindowSec: 600 } });
 * const reservation = await throttle.reserve({ sessionId, ip: '203.0.113.7' });
 */
export function createRefreshThrottle(options: {
  readonly store: AttemptStore;
  readonly clock: Clock;
  readonly policy: RefreshThrottlePolicy;
  readonly onRateExceeded?: (event: RefreshRateExceeded) => void;
}): RefreshThrottle {
  const { store, clock, policy, onRateExceeded } = options;
  for (const [name, value] of Object.entries(policy)) {
    if (!Number.isInteger(value) || value < 0) throw new TypeError(`${name} must be an integer >= 0`);
  }
  if (policy.failureWindowSec === 0) throw new TypeError('failureWindowSec must be positive');
  if (policy.sessionWindowSec === 0) throw new TypeError('sessionWindowSec must be positive');

  async function checkNetwork(key: string, now: number): Promise<void> {
    const [count] = await store.peek([key], now);
    if (count !== undefined && count.failures >= policy.maxFailuresPerIp) {
      throw rateLimited({ until: count.resetAt, now, reason: 'refresh-failures' });
    }
  }

  /** Counts the refresh against its session; returns the hit to take back, if the refresh is let through. */
  async function countSession(attempt: RefreshAttempt & { sessionId: string }, now: number): Promise<AttemptHit> {
    const key = `refresh:session:${attempt.sessionId}`;
    const [count] = await store.hit([key], now, policy.sessionWindowSec * 1000);
    if (count === undefined) return { key, resetAt: now };
    if (count.failures <= policy.maxPerSession) return { key, resetAt: count.resetAt };
    // Refused refreshes stay counted, so only one refresh per window is the one over the limit.
    const refusal = rateLimited({ until: count.resetAt, now, reason: 'session-refresh-rate' });
    if (count.failures === policy.maxPerSession + 1) {
      onRateExceeded?.({
        sessionId: attempt.sessionId,
        ip: attempt.ip,
        userAgent: attempt.userAgent ?? null,
        retryAfterSec: Number(refusal.headers?.['retry-after']),
      });
    }
    throw refusal;
  }

  return {
    async reserve(attempt) {
      const now = clock.now();
      const networkKey = `refresh:ip:${attempt.ip === null ? 'unknown' : clientNetwork(attempt.ip)}`;
      const checkingNetwork = policy.maxFailuresPerIp > 0 ? checkNetwork(networkKey, now) : undefined;
      const countingSession =
        policy.maxPerSession > 0 && attempt.sessionId !== null
          ? countSession({ ...attempt, sessionId: attempt.sessionId }, now)
          : undefined;
      // Both run at once: one round trip of waiting; either refusal answers.
      const [network, session] = await Promise.allSettled([checkingNetwork, countingSession]);
      if (network.status === 'rejected') {
        // Refused for its network: the session's count, if taken, stays, as for any refused refresh.
        throw network.reason;
      }
      if (session.status === 'rejected') throw session.reason;
      const sessionHit = session.value;
      return {
        refused: async () => {
          if (policy.maxFailuresPerIp === 0) return;
          await store.hit([networkKey], clock.now(), policy.failureWindowSec * 1000);
        },
        cancel: async () => {
          if (sessionHit !== undefined) await store.release([sessionHit]);
        },
      };
    },
  };
}
