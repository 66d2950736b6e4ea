import type { Clock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import type { AttemptHit, AttemptStore } from './attempt-store.js';
import { clientNetwork } from './client-network.js';

/** Limits on failed logins. A limit of 0 switches that limit off. */
export interface LoginThrottlePolicy {
  /** Failures allowed for one username from one IP address per window. */
  readonly maxFailuresPerAccountAndIp: number;
  /** Failures allowed from one IP address, whatever the usernames, per window. */
  readonly maxFailuresPerIp: number;
  readonly windowSec: number;
}

/** Guards password logins against guessing (OWASP ASVS V2.2.1). */
export interface LoginThrottle {
  /**
   * Counts the attempt as a failure before any password is checked, and
   * throws `ERR_RATE_LIMITED` (with `Retry-After`) when that takes a count
   * over its limit; a refused attempt is taken back, since it was never tried.
   * The returned reservation settles the attempt once its outcome is known;
   * a failed login needs nothing more, it is already counted.
   */
  reserve(attempt: LoginAttempt): Promise<LoginReservation>;
}

/** An attempt counted up front by {@link LoginThrottle.reserve}. */
export interface LoginReservation {
  /** The login succeeded: forgets this account's failures from this address, and takes the attempt back. */
  succeed(): Promise<void>;
  /** The attempt could not be judged (a store failed): takes it back. */
  cancel(): Promise<void>;
}

/** Who tries to log in as whom. */
export interface LoginAttempt {
  /** The normalised username key, or the raw input when it does not normalise. */
  readonly account: string;
  readonly ip: string | null;
}

const nothingReserved: LoginReservation = { succeed: async () => {}, cancel: async () => {} };

/**
 * Creates the throttle. Keys are per (account, IP) and per IP (an IPv6
 * address by its /64 network, see {@link clientNetwork}), never per account
 * alone: a per-account lock would let anyone lock a victim out by failing on
 * purpose. Attempts are counted before any password hashing and
 * alike for unknown and existing usernames, so a 429 reveals nothing about
 * which names exist.
 *
 * Counting first, in one atomic increment per key, is what holds the limit
 * when guesses arrive together: had each request only looked at the count
 * and added to it after hashing, a burst of simultaneous guesses would all
 * have seen the count below the limit and all been tried.
 *
 * @example
 * const throttle = createLoginThrottle({ store, clock, policy: { maxFailuresPerAccountAndIp: 5, maxFailuresPerIp: 100, windowSec: 900 } });
 * const reservation = await throttle.reserve({ account: 'alice', ip: '203.0.113.7' });
 * // …check the password; on success:
 * await reservation.succeed();
 */
export function createLoginThrottle(options: {
  readonly store: AttemptStore;
  readonly clock: Clock;
  readonly policy: LoginThrottlePolicy;
}): LoginThrottle {
  const { store, clock, policy } = options;
  for (const [name, value] of Object.entries(policy)) {
    if (!Number.isInteger(value) || value < 0) throw new TypeError(`${name} must be an integer >= 0`);
  }
  if (policy.windowSec === 0) throw new TypeError('windowSec must be positive');
  const windowMs = policy.windowSec * 1000;

  // An IPv6 client counts by its /64: a new address from the same network is no new client.
  const networkOf = (attempt: LoginAttempt) => (attempt.ip === null ? 'unknown' : clientNetwork(attempt.ip));
  function accountKey(attempt: LoginAttempt): string {
    // Bounded so that absurd usernames cannot make absurd keys.
    return `login:acct-ip:${attempt.account.slice(0, 256)}\u0000${networkOf(attempt)}`;
  }
  // Each key comes with the limit it is held to; keys whose limit is off are not counted at all.
  function limitedKeys(attempt: LoginAttempt): { key: string; limit: number }[] {
    return [
      { key: accountKey(attempt), limit: policy.maxFailuresPerAccountAndIp },
      { key: `login:ip:${networkOf(attempt)}`, limit: policy.maxFailuresPerIp },
    ].filter((k) => k.limit > 0);
  }

  return {
    async reserve(attempt) {
      const keys = limitedKeys(attempt);
      if (keys.length === 0) return nothingReserved;
      const now = clock.now();
      const counts = await store.hit(
        keys.map((k) => k.key),
        now,
        windowMs,
      );
      const hits: AttemptHit[] = keys.map((k, i) => ({ key: k.key, resetAt: counts[i]?.resetAt ?? 0 }));
      const blockedUntil = Math.max(
        0,
        ...counts.map((count, i) =>
          count.failures > (keys[i]?.limit ?? Number.POSITIVE_INFINITY) ? count.resetAt : 0,
        ),
      );
      if (blockedUntil > 0) {
        await store.release(hits);
        const seconds = Math.max(1, Math.ceil((blockedUntil - now) / 1000));
        throw new AuthError('ERR_RATE_LIMITED', {
          reason: 'login-failures',
          headers: { 'retry-after': String(seconds) },
        });
      }
      return {
        async succeed() {
          const account = accountKey(attempt);
          // Clearing the account's key forgets this attempt there too; the address keeps its other failures.
          await store.release(hits.filter((hit) => hit.key !== account));
          if (policy.maxFailuresPerAccountAndIp > 0) await store.clear([account]);
        },
        cancel: () => store.release(hits),
      };
    },
  };
}
