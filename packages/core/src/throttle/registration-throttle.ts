import type { Clock } from '../clock.js';
import type { AttemptStore } from './attempt-store.js';
import { networkLimits } from './client-network.js';
import { rateLimited } from './rate-limited.js';

/** Limits on registrations. A limit of 0 switches the limit off. */
export interface RegistrationThrottlePolicy {
  /** Registration attempts allowed from one IP address (an IPv6 /64) per window, successful or not. */
  readonly maxPerIp: number;
  readonly windowSec: number;
}

/** Guards registration against bulk account creation and against making the server hash at will. */
export interface RegistrationThrottle {
  /**
   * Counts the attempt before any validation or hashing, and throws
   * `ERR_RATE_LIMITED` (with `Retry-After`) when that takes the address over
   * its limit. The returned function takes the attempt back, for attempts
   * that could not be judged (a store failed).
   */
  reserve(ip: string | null): Promise<() => Promise<void>>;
}

const nothing = async () => {};

/**
 * Creates the throttle. Every attempt counts, whatever its outcome: a
 * successful one is an account made, a refused one (a taken name, a short
 * password) still answers a question about the user base or costs a lookup,
 * and every one may cost an argon2 hash. Like the login throttle it counts
 * before the work, in one atomic increment, so a burst cannot slip through.
 *
 * @example
 * const throttle = createRegistrationThrottle({ store, clock, policy: { maxPerIp: 20, windowSec: 3600 } });
 * const cancel = await throttle.reserve('203.0.113.7');
 */
export function createRegistrationThrottle(options: {
  readonly store: AttemptStore;
  readonly clock: Clock;
  readonly policy: RegistrationThrottlePolicy;
  /**
   * What is counted, naming the keys and the refusal's reason: `register`
   * by default; another name counts another kind of request per address
   * (`passkey-options`: challenges anyone may ask for).
   */
  readonly scope?: string;
}): RegistrationThrottle {
  const { store, clock, policy } = options;
  if (!Number.isInteger(policy.maxPerIp) || policy.maxPerIp < 0)
    throw new TypeError('maxPerIp must be an integer >= 0');
  if (!Number.isInteger(policy.windowSec) || policy.windowSec <= 0) throw new TypeError('windowSec must be positive');
  const windowMs = policy.windowSec * 1000;
  const scope = options.scope ?? 'register';

  return {
    async reserve(ip) {
      if (policy.maxPerIp === 0) return nothing;
      // The network, and an IPv6 client's /48 as well, so that a site cannot rotate through its /64s.
      const limits = networkLimits(`${scope}:ip`, ip, policy.maxPerIp);
      const now = clock.now();
      const counts = await store.hit(
        limits.map((l) => l.key),
        now,
        windowMs,
      );
      const hits = limits.map((l, i) => ({ key: l.key, resetAt: counts[i]?.resetAt ?? 0 }));
      const until = Math.max(0, ...counts.map((c, i) => (c.failures > (limits[i]?.limit ?? 0) ? c.resetAt : 0)));
      if (until > 0) {
        await store.release(hits);
        throw rateLimited({ until, now, reason: scope === 'register' ? 'registrations' : scope });
      }
      return () => store.release(hits);
    },
  };
}
