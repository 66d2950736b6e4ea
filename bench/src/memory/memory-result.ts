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
}
