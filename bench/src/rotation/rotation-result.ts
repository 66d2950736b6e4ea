/** Refresh-token rotations through the session manager on one store. */
export interface RotationRow {
  readonly store: 'SQLite' | 'Redis';
  /** Refreshes in flight at the same time, each of another session. */
  readonly concurrency: number;
  /** Sessions (of distinct users, several each) the refreshes go round. */
  readonly sessions: number;
  readonly rotations: number;
  /** Median of the rounds' rotations/s. */
  readonly rotationsPerSec: number;
  /** Latency percentiles of one rotation, in microseconds (medians of the rounds'). */
  readonly p50Us: number;
  readonly p99Us: number;
  /**
   * CPU time of the benchmark process (server code and the loop driving it;
   * not Redis's) per rotation, in microseconds: what other work on a shared
   * machine disturbs least.
   */
  readonly cpuUsPerRotation: number;
}

/** What `rotation/main.js` reports. */
export interface RotationResult {
  readonly durationMs: number;
  readonly rows: readonly RotationRow[];
}
