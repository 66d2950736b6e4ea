/** What a verifier remembers about a token whose signature and claims it already checked. */
export interface VerifiedTokenEntry<Value> {
  readonly value: Value;
  /**
   * Milliseconds since the epoch from which the entry is worthless: the
   * token's `exp` plus the tolerated skew, or its key's `notAfter` if sooner.
   */
  readonly expiresAt: number;
}

/** A bounded map from whole token strings to what verifying them gave. */
export interface VerifiedTokenCache<Value> {
  /** The entry for exactly this token, if it is still before its `expiresAt`; a stale one is dropped. */
  get(token: string, now: number): VerifiedTokenEntry<Value> | undefined;
  /** Remembers a verified token; the least recently used entry goes when the cache is full. */
  set(token: string, entry: VerifiedTokenEntry<Value>): void;
  readonly size: number;
}

/**
 * A least-recently-used cache of verified tokens, keyed by the whole compact
 * token. A hit needs the very same header, payload and signature characters
 * as a token that passed full verification, so a forged or altered token can
 * never hit; what a hit skips is the signature and the JSON parsing, which is
 * what makes asymmetric keys (50-150 µs per signature) affordable per request.
 * `maxEntries` bounds memory whatever tokens arrive, since only tokens that
 * verified are ever stored.
 *
 * @example
 * const cache = createVerifiedTokenCache<Claims>(1000);
 * cache.set(token, { value: claims, expiresAt: exp * 1000 });
 * cache.get(token, clock.now())?.value;
 */
export function createVerifiedTokenCache<Value>(maxEntries: number): VerifiedTokenCache<Value> {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('the verified-token cache needs a whole number of entries >= 1 (0 turns it off)');
  }
  // A Map iterates in insertion order: re-inserting on each hit keeps the
  // least recently used entry first, ready to be evicted.
  const entries = new Map<string, VerifiedTokenEntry<Value>>();
  return {
    get(token, now) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      entries.delete(token);
      if (now >= entry.expiresAt) return undefined;
      entries.set(token, entry);
      return entry;
    },
    set(token, entry) {
      entries.delete(token);
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      entries.set(token, entry);
    },
    get size() {
      return entries.size;
    },
  };
}
