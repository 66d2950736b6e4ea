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
  /**
   * Offers a verified token. While there is room it is kept; once the cache
   * is full it is kept only if the same token was offered before (its second
   * sighting), in place of an entry that was not used since the clock hand
   * last passed it. Returns whether it was kept.
   */
  set(token: string, entry: VerifiedTokenEntry<Value>): boolean;
  readonly size: number;
}

/** Characters at the end of a token (its signature) that its fingerprints are made of. */
const FINGERPRINT_CHARS = 8;
/** Fingerprints are small integers, so that a `Map` keyed by them needs no heap number. */
const FINGERPRINT_MASK = 0x3fffffff;

/**
 * 32-bit FNV-1a of `count` characters of `text` ending `fromEnd` characters
 * before its end. Signatures are pseudo-random, so a few of their characters
 * tell tokens apart well enough for an index, without hashing 400 characters
 * (a token arrives as a new string with each request, so V8 has no hash of it
 * yet) or slicing anything.
 */
function fingerprint(text: string, fromEnd: number, count: number): number {
  let hash = 0x811c9dc5;
  const end = text.length - fromEnd;
  for (let i = end - count; i < end; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * A cache of verified tokens, keyed by the whole compact token. A hit needs
 * the very same header, payload and signature characters as a token that
 * passed full verification, so a forged or altered token can never hit;
 * what a hit skips is the signature and the JSON parsing, which is what makes
 * asymmetric keys (50-150 µs per signature) affordable per request.
 *
 * Every operation is O(1) whatever the size: a hit is one `Map` lookup by a
 * fingerprint of the signature's last characters, one comparison of the
 * whole token with the one stored there, and a "used" bit set. It never
 * deletes and re-inserts the key (which in V8 leaves deleted entries chained
 * in the key's hash bucket, so a hot token in a full cache of 10,000 cost
 * 38 µs per hit). Two tokens with the same fingerprint simply take turns in
 * the slot: only the exact string stored there is ever answered. Eviction is CLOCK (second
 * chance): a hand sweeps the slots, clearing used bits, and takes the first
 * slot whose bit was already clear. When full, a token is admitted only on
 * its second sighting among about the last `maxEntries` tokens offered,
 * remembered in a fixed table of fingerprints, so that traffic of many
 * distinct tokens (one per user, each seen rarely) does not churn the cache:
 * an entry that would be evicted before its next use costs a promotion to the
 * old generation and a collection, and saves nothing.
 *
 * Memory is bounded by `maxEntries` (only tokens that verified are ever
 * stored) plus one 32-bit fingerprint per entry: about 0.9 KB per entry for a
 * 400-character access token and its claims, so 0.9 MB for 1,000.
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
  /** Fingerprint of a token to the slot holding it (or another token of the same fingerprint). */
  const slotOf = new Map<number, number>();
  const tokens: (string | undefined)[] = new Array<string | undefined>(maxEntries).fill(undefined);
  const keys = new Int32Array(maxEntries);
  const entries: (VerifiedTokenEntry<Value> | undefined)[] = new Array<VerifiedTokenEntry<Value> | undefined>(
    maxEntries,
  ).fill(undefined);
  const used = new Uint8Array(maxEntries);
  /** Slots emptied by an expiry, taken before the hand evicts anything. */
  const free: number[] = [];
  /** Slots never filled yet are `filled` and above. */
  let filled = 0;
  let hand = 0;
  let sightingSlots = 64;
  while (sightingSlots < maxEntries) sightingSlots *= 2;
  const sightings = new Uint32Array(sightingSlots);
  const sightingMask = sightingSlots - 1;

  const keyOf = (token: string): number => fingerprint(token, 0, FINGERPRINT_CHARS) & FINGERPRINT_MASK;

  function release(slot: number): void {
    slotOf.delete(keys[slot] as number);
    tokens[slot] = undefined;
    entries[slot] = undefined;
    used[slot] = 0;
    free.push(slot);
  }

  /** Whether `token` was offered before; remembers that it now was (a direct-mapped table: newer tokens overwrite). */
  function seenBefore(token: string, key: number): boolean {
    const index = key & sightingMask;
    // 0 means an empty slot, so the stored mark is never 0.
    const mark = (fingerprint(token, FINGERPRINT_CHARS, FINGERPRINT_CHARS) | 1) >>> 0;
    if (sightings[index] === mark) return true;
    sightings[index] = mark;
    return false;
  }

  /** The next slot whose used bit is clear, clearing the bits it passes. */
  function victim(): number {
    for (;;) {
      const slot = hand;
      hand = hand + 1 === maxEntries ? 0 : hand + 1;
      if (used[slot] === 0) return slot;
      used[slot] = 0;
    }
  }

  function fill(slot: number, key: number, token: string, entry: VerifiedTokenEntry<Value>): void {
    slotOf.set(key, slot);
    keys[slot] = key;
    tokens[slot] = token;
    entries[slot] = entry;
    used[slot] = 0;
  }

  return {
    get(token, now) {
      if (token.length < 2 * FINGERPRINT_CHARS) return undefined;
      const slot = slotOf.get(keyOf(token));
      // The whole token must match: a fingerprint only says where to look.
      if (slot === undefined || tokens[slot] !== token) return undefined;
      const entry = entries[slot] as VerifiedTokenEntry<Value>;
      if (now >= entry.expiresAt) {
        release(slot);
        return undefined;
      }
      used[slot] = 1;
      return entry;
    },
    set(token, entry) {
      if (token.length < 2 * FINGERPRINT_CHARS) return false;
      const key = keyOf(token);
      const existing = slotOf.get(key);
      if (existing !== undefined) {
        // The same token again, or another of the same fingerprint: it takes the slot.
        fill(existing, key, token, entry);
        return true;
      }
      let slot: number;
      if (free.length > 0) {
        slot = free.pop() as number;
      } else if (filled < maxEntries) {
        slot = filled;
        filled += 1;
      } else {
        if (!seenBefore(token, key)) return false;
        slot = victim();
        slotOf.delete(keys[slot] as number);
      }
      fill(slot, key, token, entry);
      return true;
    },
    get size() {
      return slotOf.size;
    },
  };
}
