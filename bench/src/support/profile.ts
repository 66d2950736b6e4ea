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
    /** Untimed load before each measurement (JIT, connection set-up). */
    readonly warmupSec: number;
    readonly durationSec: number;
    /** Each case runs once per round, in a fresh server process; the median is reported. */
    readonly rounds: number;
  };
  readonly rotation: { readonly durationMs: number };
  readonly memory: { readonly entries: number; readonly repeats: number };
}

const full: BenchProfile = {
  name: 'full',
  revokedSessions: 100_000,
  micro: { warmupMs: 300, batchMs: 100, rounds: 9 },
  http: { connections: 10, warmupSec: 1, durationSec: 5, rounds: 5 },
  rotation: { durationMs: 5_000 },
  memory: { entries: 100_000, repeats: 3 },
};

const quick: BenchProfile = {
  name: 'quick',
  revokedSessions: 100_000,
  micro: { warmupMs: 5, batchMs: 5, rounds: 2 },
  http: { connections: 2, warmupSec: 0, durationSec: 1, rounds: 1 },
  rotation: { durationMs: 200 },
  memory: { entries: 10_000, repeats: 1 },
};

/** The named profile. */
export function benchProfile(name: 'full' | 'quick'): BenchProfile {
  return name === 'full' ? full : quick;
}
