import { AuthError, type PasswordHasher } from '@jwtgate/core';

/** How much password hashing may run and wait at once. */
export interface HashingLimits {
  /** Hashes or verifications running at once, each on a libuv thread. */
  readonly maxConcurrent: number;
  /** Calls waiting for a turn; one more is refused with `ERR_SERVER_BUSY`. */
  readonly maxQueue: number;
}

/** What a bounded hasher reports about itself (for metrics and tests). */
export interface BoundedHasher extends PasswordHasher {
  /** Calls running now. */
  readonly running: number;
  /** Calls waiting now. */
  readonly queued: number;
}

/**
 * Wraps a hasher so that at most `maxConcurrent` hashes run at once and at
 * most `maxQueue` wait; beyond that the call throws `ERR_SERVER_BUSY` (503,
 * `Retry-After` of 1 to 5 s, see `http/retry-after.ts`) at once. argon2 already runs on libuv's thread pool, off
 * the event loop, but the pool is shared with file system and DNS work: a
 * flood of logins left unbounded would take every thread, and a queue left
 * unbounded would hold every request's memory and answer them all too late
 * to matter. Refusing early keeps the event loop, and `/healthz`, answering.
 * Waiters are served in arrival order.
 *
 * @example
 * const hasher = createBoundedHasher(await createArgon2Hasher(), { maxConcurrent: 3, maxQueue: 100 });
 * await hasher.verify(stored, password); // may throw ERR_SERVER_BUSY
 */
export function createBoundedHasher(hasher: PasswordHasher, limits: HashingLimits): BoundedHasher {
  if (!Number.isInteger(limits.maxConcurrent) || limits.maxConcurrent < 1) {
    throw new TypeError('maxConcurrent must be an integer >= 1');
  }
  if (!Number.isInteger(limits.maxQueue) || limits.maxQueue < 0)
    throw new TypeError('maxQueue must be an integer >= 0');
  let running = 0;
  const waiting: (() => void)[] = [];

  async function limited<T>(work: () => Promise<T>): Promise<T> {
    if (running >= limits.maxConcurrent) {
      if (waiting.length >= limits.maxQueue) {
        throw new AuthError('ERR_SERVER_BUSY', { reason: 'hash-queue-full' });
      }
      // The slot is handed over by the call that finishes, so `running` never overshoots.
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running += 1;
    }
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next === undefined) running -= 1;
      else next();
    }
  }

  return {
    hash: (password) => limited(() => hasher.hash(password)),
    verify: (stored, password) => limited(() => hasher.verify(stored, password)),
    dummyHash: hasher.dummyHash,
    needsRehash: (stored) => hasher.needsRehash(stored),
    get running() {
      return running;
    },
    get queued() {
      return waiting.length;
    },
  };
}
