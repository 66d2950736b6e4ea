import type { Clock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import type { AttemptStore } from './attempt-store.js';

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
  /** Throws `ERR_RATE_LIMITED` (with `Retry-After`) when this attempt may not even be tried. */
  check(attempt: LoginAttempt): Promise<void>;
  /** Counts a failed attempt. */
  fail(attempt: LoginAttempt): Promise<void>;
  /** Forgets this account's failures from this address after a successful login. */
  succeed(attempt: LoginAttempt): Promise<void>;
}

/** Who tries to log in as whom. */
export interface LoginAttempt {
  /** The normalised username key, or the raw input when it does not normalise. */
  readonly account: string;
  readonly ip: string | null;
}

/**
 * Creates the throttle. Keys are per (account, IP) and per IP, never per
 * account alone: a per-account lock would let anyone lock a victim out by
 * failing on purpose. The check runs before any password hashing and treats
 * unknown and existing usernames alike, so a 429 reveals nothing about which
 * names exist.
 *
 * @example
 * const throttle = createLoginThrottle({ store, clock, policy: { maxFailuresPerAccountAndIp: 5, maxFailuresPerIp: 100, windowSec: 900 } });
 * await throttle.check({ account: 'alice', ip: '203.0.113.7' });
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

  function accountKey(attempt: LoginAttempt): string {
    // Bounded so that absurd usernames cannot make absurd keys.
    return `login:acct-ip:${attempt.account.slice(0, 256)}\u0000${attempt.ip ?? 'unknown'}`;
  }
  // Each key comes with the limit it is held to; keys whose limit is off are not counted at all.
  function limitedKeys(attempt: LoginAttempt): { key: string; limit: number }[] {
    return [
      { key: accountKey(attempt), limit: policy.maxFailuresPerAccountAndIp },
      { key: `login:ip:${attempt.ip ?? 'unknown'}`, limit: policy.maxFailuresPerIp },
    ].filter((k) => k.limit > 0);
  }

  return {
    async check(attempt) {
      const keys = limitedKeys(attempt);
      if (keys.length === 0) return;
      const now = clock.now();
      const counts = await store.peek(
        keys.map((k) => k.key),
        now,
      );
      const blockedUntil = Math.max(
        0,
        ...counts.map((count, i) =>
          count.failures >= (keys[i]?.limit ?? Number.POSITIVE_INFINITY) ? count.resetAt : 0,
        ),
      );
      if (blockedUntil > now) {
        const seconds = Math.ceil((blockedUntil - now) / 1000);
        throw new AuthError('ERR_RATE_LIMITED', {
          reason: 'login-failures',
          headers: { 'retry-after': String(seconds) },
        });
      }
    },
    async fail(attempt) {
      const keys = limitedKeys(attempt);
      if (keys.length === 0) return;
      await store.hit(
        keys.map((k) => k.key),
        clock.now(),
        windowMs,
      );
    },
    async succeed(attempt) {
      if (policy.maxFailuresPerAccountAndIp > 0) await store.clear([accountKey(attempt)]);
    },
  };
}
