import type { TrafficMix } from './cases.js';
import type { ServerKind } from './servers.js';

/** One case of the HTTP benchmark over every round, under one traffic mix. */
export interface HttpRow {
  readonly name: string;
  /** The server the case ran on. */
  readonly kind: ServerKind;
  /** All measured requests over all measured seconds. */
  readonly requestsPerSec: number;
  /** Median over rounds of this case's requests/s divided by the bare route's in the same round. */
  readonly ratioToBare: number;
  /** The quartiles of those per-round ratios: the middle half of the rounds lies between them. */
  readonly ratioQuartiles: readonly [number, number];
  /** For a guarded route, the same median ratio against its own server's unguarded route: the cost of the check. */
  readonly ratioToUnguardedTwin: number | undefined;
  /** The server process's CPU time (user + system) per answered request, in microseconds. */
  readonly serverCpuUsPerRequest: number;
  /** For a guarded route, its CPU per request minus its unguarded twin's: the check's own cost. */
  readonly serverCpuUsAddedByCheck: number | undefined;
  /** Latency percentiles over every measured answer, in microseconds. */
  readonly p50Us: number;
  readonly p99Us: number;
}

/** What the HTTP benchmark reports. */
export interface HttpResult {
  readonly connections: number;
  readonly warmupSec: number;
  readonly sliceSec: number;
  readonly rounds: number;
  /** Users, each with a token of their own. */
  readonly users: number;
  /** The rows of every case, per traffic mix; `distinct` is the headline. */
  readonly mixes: Readonly<Record<TrafficMix, readonly HttpRow[]>>;
  /**
   * Per round, the default guard's requests/s over the guard with its cache
   * off, under each mix: the two measured moments apart.
   */
  readonly defaultOverCacheOff: Readonly<Record<TrafficMix, readonly number[]>>;
}
