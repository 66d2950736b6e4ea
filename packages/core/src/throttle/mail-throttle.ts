import type { Clock } from '../clock.js';
import type { AttemptStore } from './attempt-store.js';
import { networkLimits } from './client-network.js';
import { rateLimited } from './rate-limited.js';

/** Limits on mails anyone can cause. A limit of 0 switches it off. */
export interface MailThrottlePolicy {
  /** Requests per address (whether or not an account has it) per window. */
  readonly maxPerAddress: number;
  /** Requests per IP address (an IPv6 /64) per window, whatever the addresses. */
  readonly maxPerIp: number;
  readonly windowSec: number;
}

/**
 * The tries of codes (actions ending in `-code`) one address may spend in a
 * day, in windows' worth: 6-digit codes at `maxPerAddress` an hour for a
 * year would be 43,800 guesses, a 4 % chance at one account; 4 windows' worth
 * a day (20 with the defaults) keeps it under 1 %.
 */
export const CODE_TRIES_PER_DAY_WINDOWS = 4;

const DAY_MS = 86_400_000;

/** Guards the routes that send mail, and those that take codes, against flooding and guessing. */
export interface MailThrottle {
  /**
   * Counts one request of `action` for the address key and the client's
   * network in one atomic increment, and throws `ERR_RATE_LIMITED` (with
   * `Retry-After`) past a limit. The address is counted whether or not an
   * account has it, so the answer says nothing about which addresses exist.
   * With `addressKey` null, only the network is counted.
   */
  reserve(action: string, addressKey: string | null, ip: string | null): Promise<void>;
}

/**
 * Creates the throttle on the shared attempt store, so that the limits hold
 * across instances.
 *
 * @example
 * const throttle = createMailThrottle({ store, clock, policy: { maxPerAddress: 5, maxPerIp: 50, windowSec: 3600 } });
 * await throttle.reserve('reset-password', emailKey, request.ip);
 */
export function createMailThrottle(options: {
  readonly store: AttemptStore;
  readonly clock: Clock;
  readonly policy: MailThrottlePolicy;
}): MailThrottle {
  const { store, clock, policy } = options;
  for (const name of ['maxPerAddress', 'maxPerIp'] as const) {
    if (!Number.isInteger(policy[name]) || policy[name] < 0) throw new TypeError(`${name} must be an integer >= 0`);
  }
  if (!Number.isInteger(policy.windowSec) || policy.windowSec <= 0) throw new TypeError('windowSec must be positive');
  const windowMs = policy.windowSec * 1000;
  return {
    async reserve(action, addressKey, ip) {
      const limits: [string, number][] = [];
      if (policy.maxPerAddress > 0 && addressKey !== null)
        limits.push([`mail:${action}:to:${addressKey}`, policy.maxPerAddress]);
      // The network, and an IPv6 client's /48 as well, so that a site cannot rotate through its /64s.
      if (policy.maxPerIp > 0)
        for (const { key, limit } of networkLimits(`mail:${action}:ip`, ip, policy.maxPerIp)) limits.push([key, limit]);
      if (limits.length === 0) return;
      const now = clock.now();
      const counts = await store.hit(
        limits.map(([key]) => key),
        now,
        windowMs,
      );
      let until = 0;
      counts.forEach((count, i) => {
        if (count.failures > (limits[i]?.[1] ?? Number.POSITIVE_INFINITY)) until = Math.max(until, count.resetAt);
      });
      // Codes are guessed one try at a time: their address is held to a day's total as well.
      if (action.endsWith('-code') && addressKey !== null && policy.maxPerAddress > 0) {
        const [day] = await store.hit([`mail:${action}:day:${addressKey}`], now, DAY_MS);
        if (day !== undefined && day.failures > policy.maxPerAddress * CODE_TRIES_PER_DAY_WINDOWS)
          until = Math.max(until, day.resetAt);
      }
      if (until > 0) throw rateLimited({ until, now, reason: 'mail-requests' });
    },
  };
}
