/** The heap a revocation list needs. */
export interface MemoryResult {
  readonly entries: number;
  /** Heap growth per revoked session, median over the repeats. */
  readonly bytesPerEntry: number;
  /** The same, scaled to 100,000 revoked sessions, in MiB. */
  readonly mibPer100k: number;
  readonly repeats: number;
}
