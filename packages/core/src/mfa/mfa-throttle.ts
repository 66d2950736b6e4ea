import type { Clock } from '../clock.js';
import type { AttemptHit, AttemptStore } from '../throttle/attempt-store.js';
import { rateLimited } from '../throttle/rate-limited.js';

/** Limits on wrong second-factor codes per user, whatever the address. 0 switches a limit off. */
export interface MfaThrottlePolicy {
  /** Wrong codes allowed per user in {@link windowSec}. */
  readonly maxFailures: number;
  readonly windowSec: number;
  /** Wrong codes allowed per user in a day: what bounds a patient guesser. */
  readonly maxFailuresPerDay: number;
}

/** A code check counted up front by {@link MfaThrottle.reserve}. */
export interface MfaReservation {
  /**
   * The code was right: this check is taken back, and earlier failures stay
   * counted until their window ends (a user's sign-in must not wipe the count
   * of someone guessing at their codes).
   */
  succeed(): Promise<void>;
  /** The check could not be judged (a store failed): takes the count back. */
  cancel(): Promise<void>;
}

/** Guards second-factor codes against guessing, on every instance sharing the attempt store. */
export interface MfaThrottle {
  /**
   * Counts the check as a failure before the code is looked at, in one
   * atomic increment per limit, so concurrent guesses cannot slip past the
   * limit; throws `ERR_RATE_LIMITED` (with `Retry-After`) when that goes
   * over a limit, taking the count back since nothing was tried.
   */
  reserve(userId: string): Promise<MfaReservation>;
}

const DAY_SEC = 86_400;

/**
 * Creates the throttle. A six-digit code with a window of ±1 step has three
 * right answers in a million, so the limits decide how long guessing takes:
 * 5 per 15 minutes and 20 a day keep a year of guessing under 3 %, and the
 * guesser needed the password first.
 *
 * @example
 * const throttle = createMfaThrottle({ store, clock, policy: { maxFailures: 5, windowSec: 900, maxFailuresPerDay: 20 } });
 */
export function createMfaThrottle(options: {
  readonly store: AttemptStore;
  readonly clock: Clock;
  readonly policy: MfaThrottlePolicy;
}): MfaThrottle {
  const { store, clock, policy } = options;
  for (const [name, value] of Object.entries(policy)) {
    if (!Number.isInteger(value) || value < 0) throw new TypeError(`${name} must be an integer >= 0`);
  }
  if (policy.windowSec === 0) throw new TypeError('windowSec must be positive');
  const limits = [
    { suffix: 'window', max: policy.maxFailures, windowMs: policy.windowSec * 1000 },
    { suffix: 'day', max: policy.maxFailuresPerDay, windowMs: DAY_SEC * 1000 },
  ].filter((limit) => limit.max > 0);
  return {
    async reserve(userId) {
      const now = clock.now();
      const hits: AttemptHit[] = [];
      for (const limit of limits) {
        const key = `mfa:${limit.suffix}:${userId}`;
        const [count] = await store.hit([key], now, limit.windowMs);
        const hit = { key, resetAt: count?.resetAt ?? now };
        if (count !== undefined && count.failures > limit.max) {
          await store.release([...hits, hit]).catch(() => {});
          throw rateLimited({ until: count.resetAt, now, reason: `mfa-${limit.suffix}` });
        }
        hits.push(hit);
      }
      return {
        succeed: () => store.release(hits),
        cancel: () => store.release(hits),
      };
    },
  };
}
