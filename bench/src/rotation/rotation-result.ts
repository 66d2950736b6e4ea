/** Refresh-token rotations through the session manager on one store. */
export interface RotationRow {
  readonly store: 'SQLite' | 'Redis';
  /** Independent sessions rotating at the same time. */
  readonly concurrency: number;
  readonly rotations: number;
  readonly rotationsPerSec: number;
  /** Latency percentiles of one rotation, in microseconds. */
  readonly p50Us: number;
  readonly p99Us: number;
}

/** What `rotation/main.js` reports. */
export interface RotationResult {
  readonly durationMs: number;
  readonly rows: readonly RotationRow[];
}
