import type { Clock } from '../clock.js';
import type { AttemptCount, AttemptHit, AttemptStore } from './attempt-store.js';
import { clientNetwork, networkLimits } from './client-network.js';
import { rateLimited } from './rate-limited.js';

/** Limits on failed logins. A limit of 0 switches that limit off. */
export interface LoginThrottlePolicy {
  /** Failures allowed for one username from one IP address per window. */
  readonly maxFailuresPerAccountAndIp: number;
  /** Failures allowed from one IP address, whatever the usernames, per window. */
  readonly maxFailuresPerIp: number;
  readonly windowSec: number;
  /**
   * Failures allowed for one username from all networks it has not logged
   * in from lately, per window; one more locks the username for those
   * networks. Off (0) when absent.
   */
  readonly maxFailuresPerAccount?: number;
  /** The first lock; each further lock within {@link LOCK_HISTORY_SEC} lasts twice the one before. Default 60. */
  readonly lockSec?: number;
  /** No lock lasts longer. Default 300. */
  readonly maxLockSec?: number;
  /** How long a network a username logged in from stays exempt from its lock. Default 30 days. */
  readonly knownNetworkSec?: number;
}

/** How long locks are remembered to make the next one longer: a day from the first. */
export const LOCK_HISTORY_SEC = 86_400;

/** Guards password logins against guessing (OWASP ASVS V2.2.1). */
export interface LoginThrottle {
  /**
   * Counts the attempt as a failure before any password is checked, and
   * throws `ERR_RATE_LIMITED` (with `Retry-After`) when that takes a count
   * over its limit or the username is locked for this network; a refused
   * attempt is taken back, since it was never tried.
   * The returned reservation settles the attempt once its outcome is known;
   * a failed login needs nothing more, it is already counted.
   */
  reserve(attempt: LoginAttempt): Promise<LoginReservation>;
}

/** An attempt counted up front by {@link LoginThrottle.reserve}. */
export interface LoginReservation {
  /**
   * The login succeeded: forgets this account's failures from this address,
   * takes the attempt back, and remembers the network as one the account uses.
   */
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

const NOT_KNOWN: AttemptCount = { failures: 0, resetAt: 0 };

function resolvePolicy(policy: LoginThrottlePolicy): Required<LoginThrottlePolicy> {
  const resolved = {
    maxFailuresPerAccount: 0,
    lockSec: 60,
    maxLockSec: 300,
    knownNetworkSec: 30 * 86_400,
    ...policy,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 0) throw new TypeError(`${name} must be an integer >= 0`);
  }
  for (const name of ['windowSec', 'lockSec', 'maxLockSec', 'knownNetworkSec'] as const) {
    if (resolved[name] === 0) throw new TypeError(`${name} must be positive`);
  }
  if (resolved.maxLockSec < resolved.lockSec) throw new TypeError('maxLockSec must be at least lockSec');
  return resolved;
}

/**
 * Creates the throttle. Three counts, all alike for unknown and existing
 * usernames, so a 429 reveals nothing about which names exist:
 *
 * - per (account, network) and per network (an IPv6 address by its /64,
 *   see {@link clientNetwork}): one source guessing one password or
 *   spraying many usernames; an IPv6 /48 also counts, held to
 *   ten networks' allowance (see {@link networkLimits}), so that a site cannot
 *   spray from one of its 65,536 /64s after another;
 * - per account across every network it has not logged in from lately: a
 *   botnet guessing one password from many addresses. Going over this limit
 *   locks the username briefly (`lockSec`, doubling with each further lock
 *   within a day, never over `maxLockSec`), and only for networks it has not
 *   logged in from within `knownNetworkSec`: flooding a username from
 *   elsewhere cannot keep its owner out of their usual networks, and keeps
 *   anyone else out for at most `maxLockSec` at a time.
 *
 * Attempts are counted before any password hashing. Counting first, in one
 * atomic increment per key, is what holds the limit when guesses arrive
 * together: had each request only looked at the count and added to it after
 * hashing, a burst of simultaneous guesses would all have seen the count
 * below the limit and all been tried.
 *
 * @example
 * const throttle = createLoginThrottle({ store, clock, policy: { maxFailuresPerAccountAndIp: 5, maxFailuresPerIp: 100, windowSec: 900, maxFailuresPerAccount: 50 } });
 * const reservation = await throttle.reserve({ account: 'alice', ip: '203.0.113.7' });
 * // …check the password; on success:
 * await reservation.succeed();
 */
export function createLoginThrottle(options: {
  readonly store: AttemptStore;
  readonly clock: Clock;
  readonly policy: LoginThrottlePolicy;
}): LoginThrottle {
  const { store, clock } = options;
  const policy = resolvePolicy(options.policy);
  const windowMs = policy.windowSec * 1000;
  const knownNetworkMs = policy.knownNetworkSec * 1000;
  const accountWide = policy.maxFailuresPerAccount > 0;

  // An IPv6 client counts by its /64: a new address from the same network is no new client.
  const networkOf = (attempt: LoginAttempt) => (attempt.ip === null ? 'unknown' : clientNetwork(attempt.ip));
  function keysOf(attempt: LoginAttempt) {
    // Bounded so that absurd usernames cannot make absurd keys.
    const account = attempt.account.slice(0, 256);
    const network = networkOf(attempt);
    return {
      accountAndIp: `login:acct-ip:${account}\u0000${network}`,
      account: `login:acct:${account}`,
      lock: `login:lock:${account}`,
      locks: `login:locks:${account}`,
      known: `login:known:${account}\u0000${network}`,
    };
  }

  /** Starts the next lock of an account: each one twice as long as the last, up to the cap. */
  async function lockAccount(keys: ReturnType<typeof keysOf>, now: number): Promise<number> {
    const [history] = await store.hit([keys.locks], now, LOCK_HISTORY_SEC * 1000);
    const previous = Math.min(30, Math.max(0, (history?.failures ?? 1) - 1));
    const durationMs = Math.min(policy.lockSec * 2 ** previous, policy.maxLockSec) * 1000;
    const [lock] = await store.hit([keys.lock], now, durationMs);
    // The lock holds the account now; after it the count starts again, towards a longer lock.
    await store.clear([keys.account]);
    return lock?.resetAt ?? now + durationMs;
  }

  return {
    async reserve(attempt) {
      const keys = keysOf(attempt);
      const now = clock.now();
      let known = NOT_KNOWN;
      if (accountWide) {
        const [lock, network] = await store.peek([keys.lock, keys.known], now);
        known = network ?? NOT_KNOWN;
        if (known.failures === 0 && lock !== undefined && lock.failures > 0) {
          throw rateLimited({ until: lock.resetAt, now, reason: 'account-locked' });
        }
      }
      // Each key comes with the limit it is held to; keys whose limit is off are not counted at all.
      const limited = [
        { key: keys.accountAndIp, limit: policy.maxFailuresPerAccountAndIp },
        // The network, and an IPv6 client's /48 as well.
        ...networkLimits('login:ip', attempt.ip, policy.maxFailuresPerIp),
        // A network the account logged in from lately neither counts towards its lock nor is held by it.
        { key: keys.account, limit: known.failures === 0 ? policy.maxFailuresPerAccount : 0 },
      ].filter((k) => k.limit > 0);
      if (limited.length === 0 && !accountWide) return nothingReserved;
      const counts =
        limited.length === 0
          ? []
          : await store.hit(
              limited.map((k) => k.key),
              now,
              windowMs,
            );
      const hits: AttemptHit[] = limited.map((k, i) => ({ key: k.key, resetAt: counts[i]?.resetAt ?? 0 }));
      let blockedUntil = 0;
      let reason = 'login-failures';
      for (const [i, count] of counts.entries()) {
        const { key, limit } = limited[i] ?? { key: '', limit: Number.POSITIVE_INFINITY };
        if (count.failures <= limit) continue;
        let until = count.resetAt;
        if (key === keys.account) {
          reason = 'account-locked';
          // Exactly one attempt takes the count one over the limit, so a burst starts one lock, not many.
          until =
            count.failures === limit + 1
              ? await lockAccount(keys, now)
              : (await store.peek([keys.lock], now))[0]?.resetAt || until;
        }
        blockedUntil = Math.max(blockedUntil, until);
      }
      if (blockedUntil > 0) {
        await store.release(hits);
        throw rateLimited({ until: blockedUntil, now, reason });
      }
      return {
        async succeed() {
          // Clearing the account's key forgets this attempt there too; the address keeps its other failures.
          await store.release(hits.filter((hit) => hit.key !== keys.accountAndIp));
          if (policy.maxFailuresPerAccountAndIp > 0) await store.clear([keys.accountAndIp]);
          if (!accountWide) return;
          // Remembered for knownNetworkSec from the last renewal; renewed once half of it has passed.
          if (known.failures > 0 && known.resetAt - now > knownNetworkMs / 2) return;
          await store.clear([keys.known]);
          await store.hit([keys.known], now, knownNetworkMs);
        },
        cancel: () => store.release(hits),
      };
    },
  };
}
