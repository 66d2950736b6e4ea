/** Logins timed with one `Hashing.MaxConcurrent` setting, summed over every round. */
export interface LoginRow {
  /** `Hashing.MaxConcurrent`: argon2id hashes running at once. */
  readonly maxConcurrent: number;
  /** Whether this is what `Hashing.MaxConcurrent: 0` picks on the machine that ran it. */
  readonly isDefault: boolean;
  readonly logins: number;
  /** Each login verifies one argon2id hash, so this is also argon2id verifications/s. */
  readonly loginsPerSec: number;
  /** Median of the per-round logins/s. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** How late the event loop ran timers while logins were hashing, in milliseconds. */
  readonly loopDelayP50Ms: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  /** `GET /healthz` and `GET /auth/me` (the guard) sent one at a time during the flood: latency percentiles, ms. */
  readonly probeP50Ms: number;
  readonly probeP99Ms: number;
  readonly probes: number;
}

/** What `login/main.js` reports. */
export interface LoginResult {
  /** Logins in flight at once, from clients that send the next as soon as one is answered. */
  readonly concurrency: number;
  /** Measured rounds; in each, every setting gets one slice of `sliceMs`, in rotating order. */
  readonly rounds: number;
  readonly sliceMs: number;
  readonly rows: readonly LoginRow[];
}
