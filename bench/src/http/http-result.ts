import type { LoadSample } from './load.js';

/** One case of the HTTP benchmark over every round. */
export interface HttpRow {
  readonly name: string;
  readonly samples: readonly LoadSample[];
  readonly medianRequestsPerSec: number;
  /** Median over rounds of this case's requests/s divided by the bare route's in the same round. */
  readonly ratioToBare: number;
  /** Median over rounds of the latency percentiles, in microseconds. */
  readonly p50Us: number;
  readonly p99Us: number;
}

/** What the HTTP benchmark reports. */
export interface HttpResult {
  readonly connections: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly rounds: number;
  readonly rows: readonly HttpRow[];
}
