/**
 * How long and how hard each benchmark runs. `full` is what `npm run bench`
 * uses and what `bench/results.md` records; `quick` only proves that every
 * benchmark starts and produces its rows (the smoke test), its numbers mean
 * nothing.
 */
export interface BenchProfile {
  readonly name: 'full' | 'quick';
  /** Revoked session ids held by jwtgate's revocation list while access checks are timed. */
  readonly revokedSessions: number;
  readonly micro: {
    /** Untimed calls per case before timing, so every implementation runs optimised code. */
    readonly warmupMs: number;
    /** Length of one timed batch of calls. */
    readonly batchMs: number;
    /** Timed batches per case, interleaved across cases; the median is reported. */
    readonly rounds: number;
  };
  readonly http: {
    /** Concurrent keep-alive connections, the same for every case. */
    readonly connections: number;
    /** Untimed load on each server before any measurement (JIT of server and load generator). */
    readonly warmupSec: number;
    /** One measured slice of load on one server. */
    readonly sliceSec: number;
    /** Each round gives every case one slice per traffic mix, in rotating order; a case is measured for `rounds × sliceSec` per mix. */
    readonly rounds: number;
    /** Users, each with a token of their own: the distinct-token traffic sends them in turn. */
    readonly users: number;
  };
  /**
   * Refresh rotation over `users × sessionsPerUser` sessions, `concurrency`
   * refreshes in flight, each for `durationMs` per round, `rounds` rounds.
   */
  readonly rotation: {
    readonly durationMs: number;
    readonly users: number;
    readonly sessionsPerUser: number;
    readonly concurrency: readonly number[];
    readonly rounds: number;
  };
  /** `loadEntries`: revocations loaded into an empty list as at start-up, with the event loop watched. */
  readonly memory: { readonly entries: number; readonly repeats: number; readonly loadEntries: number };
  /** Active sessions written into a private redis-server to weigh them. */
  readonly redisSessions: number;
  /**
   * Logins (argon2id) in flight at once, under each `Hashing.MaxConcurrent`
   * setting (and the one `0` picks on the machine), in `rounds` interleaved
   * slices of `sliceMs` per setting. Then jwtgate at its defaults beside
   * better-auth, each in a process of its own holding `peerUsers` accounts,
   * over HTTP, in `peerRounds` interleaved slices of `peerSliceMs` each.
   */
  readonly login: {
    readonly sliceMs: number;
    readonly rounds: number;
    readonly concurrency: number;
    readonly settings: readonly number[];
    readonly peerUsers: number;
    readonly peerRounds: number;
    readonly peerSliceMs: number;
  };
  /** Logout-to-refusal trials across two instances. */
  readonly propagationTrials: number;
}

const full: BenchProfile = {
  name: 'full',
  revokedSessions: 100_000,
  micro: { warmupMs: 300, batchMs: 60, rounds: 15 },
  http: { connections: 50, warmupSec: 2, sliceSec: 1, rounds: 6, users: 10_000 },
  rotation: { durationMs: 2_000, users: 1_000, sessionsPerUser: 5, concurrency: [1, 8, 50], rounds: 3 },
  memory: { entries: 100_000, repeats: 3, loadEntries: 1_000_000 },
  redisSessions: 1_000_000,
  login: {
    sliceMs: 2_000,
    rounds: 4,
    concurrency: 8,
    settings: [1, 2, 3],
    peerUsers: 100,
    peerRounds: 8,
    peerSliceMs: 2_000,
  },
  propagationTrials: 100,
};

const quick: BenchProfile = {
  name: 'quick',
  revokedSessions: 100_000,
  micro: { warmupMs: 5, batchMs: 5, rounds: 2 },
  http: { connections: 2, warmupSec: 0, sliceSec: 0.3, rounds: 2, users: 300 },
  rotation: { durationMs: 200, users: 60, sessionsPerUser: 1, concurrency: [1, 8, 50], rounds: 1 },
  memory: { entries: 10_000, repeats: 1, loadEntries: 20_000 },
  redisSessions: 2_000,
  login: {
    sliceMs: 200,
    rounds: 1,
    concurrency: 2,
    settings: [1, 2],
    peerUsers: 4,
    peerRounds: 2,
    peerSliceMs: 300,
  },
  propagationTrials: 3,
};

/**
 * The named profile.
 *
 * @example
 * benchProfile('full').http.rounds; // 6
 */
export function benchProfile(name: 'full' | 'quick'): BenchProfile {
  return name === 'full' ? full : quick;
}
