import type { OperationTiming } from './measure.js';

/** One implementation's row in a micro-benchmark table. */
export interface MicroRow {
  readonly name: string;
  readonly library: string;
  readonly setup: string;
  /** For verifiers: the rules it was seen to enforce before timing. */
  readonly rules?: readonly string[];
  readonly timing: OperationTiming;
}

/** What `micro/main.js` reports. */
export interface MicroResult {
  readonly verify: readonly MicroRow[];
  /** The same access token signed with ES256 and EdDSA keys, each verifier holding the public key only. */
  readonly asymmetric: readonly MicroRow[];
  readonly sign: readonly MicroRow[];
  /** A hit in a full cache of verified tokens of each size (1,000, 10,000, 100,000). */
  readonly cacheHits: readonly MicroRow[];
  /** Entries in the revocation list while `authenticate` was timed. */
  readonly revocationListSize: number;
}
