/** How many failures a key has in its current window, and when that window ends. */
export interface AttemptCount {
  readonly failures: number;
  /** Milliseconds since the epoch; meaningless when `failures` is 0. */
  readonly resetAt: number;
}

/**
 * Counts failed attempts (logins) per key in fixed windows. Each method is one
 * atomic round trip to the backend; backend failures surface as
 * `AuthError('ERR_STORE_UNAVAILABLE')`. Every implementation runs
 * `runAttemptStoreSuite` from `@jwtgate/core/testing`.
 */
export interface AttemptStore {
  /** The current count of each key, in order; a key whose window has ended counts 0. */
  peek(keys: readonly string[], now: number): Promise<readonly AttemptCount[]>;
  /**
   * Adds one failure to each key and returns the new counts, in order. A key
   * with no running window starts one of `windowMs` at `now`. Concurrent calls
   * never lose an increment.
   */
  hit(keys: readonly string[], now: number, windowMs: number): Promise<readonly AttemptCount[]>;
  /**
   * Takes back one hit from each key, but only from the window that hit was
   * counted in (the `resetAt` that {@link hit} answered) and never below
   * zero: an attempt counted up front that turned out not to be a failure.
   * Concurrent calls never lose a decrement.
   */
  release(hits: readonly AttemptHit[]): Promise<void>;
  /** Forgets the keys. */
  clear(keys: readonly string[]): Promise<void>;
}

/** One hit to take back: its key, and the end of the window it was counted in. */
export interface AttemptHit {
  readonly key: string;
  readonly resetAt: number;
}
