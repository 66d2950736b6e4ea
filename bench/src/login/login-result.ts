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

/** One login server measured over HTTP beside the others, summed over its slices. */
export interface PeerLoginRow {
  readonly name: string;
  readonly logins: number;
  /** Median of the per-round logins/s. */
  readonly loginsPerSec: number;
  /** The lowest and highest per-round logins/s. */
  readonly loginsPerSecRange: readonly [number, number];
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The server process's CPU time (all its threads, hashing included) per login, ms. */
  readonly cpuMsPerLogin: number;
  /** `GET /healthz` during the flood, one request at a time. */
  readonly healthP50Ms: number;
  readonly healthP99Ms: number;
  /** The guarded route during the flood (jwtgate `GET /auth/me`, better-auth `GET /api/auth/get-session`). */
  readonly guardedRoute: string;
  readonly guardedP50Ms: number;
  readonly guardedP99Ms: number;
  readonly probes: number;
}

/** jwtgate at its defaults beside better-auth on the same argon2id cost, measured in one run. */
export interface PeerLoginResult {
  /** Accounts in each server; the clients log in as each in turn. */
  readonly users: number;
  readonly concurrency: number;
  readonly rounds: number;
  readonly sliceMs: number;
  /** `$argon2id$v=19$m=…,t=…,p=…`: the cost both servers hash at. */
  readonly argon2: string;
  /** What `Hashing.MaxConcurrent: 0` picked for the jwtgate server. */
  readonly jwtgateMaxConcurrent: number;
  readonly rows: readonly PeerLoginRow[];
  /** jwtgate's logins/s over better-auth's, round by round. */
  readonly ratios: readonly number[];
}

/** What `login/main.js` reports. */
export interface LoginResult {
  /** Logins in flight at once, from clients that send the next as soon as one is answered. */
  readonly concurrency: number;
  /** Measured rounds; in each, every setting gets one slice of `sliceMs`, in rotating order. */
  readonly rounds: number;
  readonly sliceMs: number;
  readonly rows: readonly LoginRow[];
  readonly peers: PeerLoginResult;
}
