import type { Clock } from '../clock.js';

/**
 * The in-process set of revoked session ids that the route guard consults on
 * every request instead of asking the store.
 *
 * An id only needs to stay until every access token of its session has
 * expired, that is `retentionMs` (access lifetime plus clock leeway) after the
 * revocation, so the set stays small however many sessions exist.
 */
export interface RevocationList {
  /**
   * Whether the session was revoked. On the hot path: a byte of the
   * pre-filter answers most lookups of a large list, a map lookup the rest.
   */
  has(sessionId: string): boolean;
  /** Records revocations; entries older than the retention are ignored. */
  add(sessionId: string, revokedAt: number): void;
  /** Drops entries whose tokens can no longer be valid. */
  prune(): void;
  /**
   * Calls `listener` for each revocation the list learns from now on (a new
   * session id, or a later time for a known one), after it is recorded; not
   * for repeats. Returns the function that stops it. For a feed that passes
   * revocations on; the lookups of the guard never pay for it.
   */
  watch(listener: (sessionId: string, revokedAt: number) => void): () => void;
  readonly size: number;
  /** How long after a revocation an access token of that session could still verify. */
  readonly retentionMs: number;
}

/**
 * Maps the list is split into. One `Map` of a million entries doubles its
 * table in one step that holds the event loop for 150 to 300 ms (measured at
 * 524,288 entries); 64 maps of a sixty-fourth each grow in steps of a few
 * milliseconds, so a list filled at start-up never stalls the loop for long.
 */
const SHARDS = 64;

/** Entries an automatic prune looks at before it lets the write that triggered it return. */
const PRUNE_STEP = 16_384;

/**
 * Counters of the pre-filter (one byte each, 1 MiB). With 100,000 revoked
 * sessions about 9 % of them are non-zero, so about 9 in 10 lookups of a
 * session that was not revoked, the usual case, read one byte and stop,
 * instead of hashing the id and walking a map of 100,000 entries whose
 * nodes are scattered through the heap: the map lookup measured about
 * 1.7 µs per guarded request in a busy server, where other work keeps
 * pushing the map out of the processor's caches.
 */
const FILTER_BITS = 20;
/** Below this many entries the maps are small enough to stay cached, and the filter is not made. */
const FILTER_FROM = 4096;
/** A counter that reached this stays there: it is never decremented, so it can never wrap to 0. */
const FILTER_STUCK = 255;

/**
 * The map of a session id: two characters near its end, which are random in
 * a session id (its first four are the user's shard tag, its last one has
 * only four values). Any string works; a short one falls in a fixed map.
 */
function shardOf(sessionId: string): number {
  const n = sessionId.length;
  return n < 3 ? 0 : (sessionId.charCodeAt(n - 2) * 31 + sessionId.charCodeAt(n - 3)) & (SHARDS - 1);
}

/**
 * The pre-filter's counter for a session id: five characters before the last
 * one, mixed by a multiplicative hash. Any string works, and two ids sharing
 * a counter only cost a map lookup: the filter can say "maybe", never a
 * wrong "no".
 */
function filterSlot(sessionId: string): number {
  const n = sessionId.length;
  let h = n;
  for (let i = Math.max(0, n - 6); i < n - 1; i += 1) h = Math.imul(h ^ sessionId.charCodeAt(i), 0x01000193);
  return Math.imul(h, 0x9e3779b1) >>> (32 - FILTER_BITS);
}

/**
 * @example
 * const revoked = createRevocationList({ clock: systemClock, retentionMs: 15 * 60_000 + 5_000 });
 * revoked.add(sessionId, Date.now());
 * revoked.has(sessionId); // true
 */
export function createRevocationList(options: { clock: Clock; retentionMs: number }): RevocationList {
  const { clock, retentionMs } = options;
  const shards = Array.from({ length: SHARDS }, () => new Map<string, number>());
  const listeners = new Set<(sessionId: string, revokedAt: number) => void>();
  let size = 0;
  /**
   * How many entries fall on each counter, made once the list passes
   * {@link FILTER_FROM} entries: a counter at 0 means no entry has that
   * slot, so the session is not revoked without asking its map.
   */
  let filter: Uint8Array | null = null;
  let nextPrune = clock.now() + retentionMs;
  /** The map the automatic pruning looks at next. */
  let pruneFrom = 0;

  /** Drops the stale entries of one map; returns how many entries it looked at. */
  function pruneShard(index: number, cutoff: number): number {
    const shard = shards[index] as Map<string, number>;
    const seen = shard.size;
    for (const [id, revokedAt] of shard) {
      if (revokedAt < cutoff) {
        shard.delete(id);
        size -= 1;
        if (filter !== null) release(filter, id);
      }
    }
    return seen;
  }

  function occupy(counters: Uint8Array, sessionId: string): void {
    const slot = filterSlot(sessionId);
    if ((counters[slot] as number) < FILTER_STUCK) counters[slot] = (counters[slot] as number) + 1;
  }

  function release(counters: Uint8Array, sessionId: string): void {
    const slot = filterSlot(sessionId);
    const count = counters[slot] as number;
    // A stuck counter no longer knows how many entries it stands for: it stays "maybe" for good.
    if (count < FILTER_STUCK) counters[slot] = count - 1;
  }

  /** Makes the filter from every entry, once, when the list first grows past {@link FILTER_FROM}. */
  function buildFilter(): Uint8Array {
    const counters = new Uint8Array(1 << FILTER_BITS);
    for (const shard of shards) for (const id of shard.keys()) occupy(counters, id);
    return counters;
  }

  function prune(): void {
    const cutoff = clock.now() - retentionMs;
    for (let index = 0; index < SHARDS; index += 1) pruneShard(index, cutoff);
    pruneFrom = 0;
    nextPrune = clock.now() + Math.min(retentionMs, 60_000);
  }

  /**
   * Prunes maps in turn until about {@link PRUNE_STEP} entries were looked
   * at; the next write goes on where this one stopped, and a full turn waits
   * for the next minute. A small list is pruned whole by one write.
   */
  function pruneStep(now: number): void {
    const cutoff = now - retentionMs;
    let seen = 0;
    while (seen < PRUNE_STEP && pruneFrom < SHARDS) {
      seen += pruneShard(pruneFrom, cutoff);
      pruneFrom += 1;
    }
    if (pruneFrom === SHARDS) {
      pruneFrom = 0;
      nextPrune = now + Math.min(retentionMs, 60_000);
    }
  }

  return {
    has(sessionId) {
      if (filter !== null && filter[filterSlot(sessionId)] === 0) return false;
      return (shards[shardOf(sessionId)] as Map<string, number>).has(sessionId);
    },
    add(sessionId, revokedAt) {
      const now = clock.now();
      if (revokedAt < now - retentionMs) return;
      const shard = shards[shardOf(sessionId)] as Map<string, number>;
      const known = shard.get(sessionId);
      if (known === undefined || known < revokedAt) {
        shard.set(sessionId, revokedAt);
        if (known === undefined) {
          size += 1;
          if (filter !== null) occupy(filter, sessionId);
          else if (size > FILTER_FROM) filter = buildFilter();
        }
        // No iterator when nobody listens: a start-up's million adds would leave a million behind for the collector.
        if (listeners.size > 0) for (const listener of listeners) listener(sessionId, revokedAt);
      }
      // Pruning rides on writes so no timer is needed and reads stay a bare lookup.
      if (now >= nextPrune) pruneStep(now);
    },
    prune,
    watch(listener) {
      // A wrapper of its own, so that watching twice with one function makes two watches.
      const watcher = (sessionId: string, revokedAt: number) => listener(sessionId, revokedAt);
      listeners.add(watcher);
      return () => listeners.delete(watcher);
    },
    get size() {
      return size;
    },
    retentionMs,
  };
}
