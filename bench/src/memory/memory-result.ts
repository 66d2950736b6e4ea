/** The heap a revocation list needs. */
export interface MemoryResult {
  readonly entries: number;
  /** Heap growth per revoked session, median over the repeats. */
  readonly bytesPerEntry: number;
  /** The same, scaled to 100,000 revoked sessions, in MiB. */
  readonly mibPer100k: number;
  readonly repeats: number;
  /** Growth of the process's resident memory per entry during the first build. */
  readonly rssBytesPerEntry: number;
  /** The default size of the verifier's cache of verified tokens. */
  readonly tokenCacheEntries: number;
  /** Heap per cached token (claims, header, entry), the token strings themselves excluded. */
  readonly tokenCacheBytesPerEntry: number;
  /** A start-up's load of `load.entries` revocations into an empty list, in slices (`loadRevocations`). */
  readonly load: RevocationLoadResult;
}

/** Filling a revocation list as a start-up or a catch-up does. */
export interface RevocationLoadResult {
  readonly entries: number;
  readonly durationMs: number;
  /** The event loop's delay while loading (`monitorEventLoopDelay`, 1 ms resolution), in ms. */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  /** The same process's loop delay while idle for a second just before: what the machine alone causes. */
  readonly idleLoopDelayMaxMs: number;
  /** Collector pauses during the load: the longest, and their sum, in ms. */
  readonly longestGcMs: number;
  readonly gcMs: number;
  /** Heap growth per entry once loaded (ids included), and resident memory growth per entry. */
  readonly heapBytesPerEntry: number;
  readonly rssBytesPerEntry: number;
}
