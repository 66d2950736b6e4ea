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
  /** Whether the session was revoked. A plain map lookup: this is on the hot path. */
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
 * The map of a session id: two characters near its end, which are random in
 * a session id (its first four are the user's shard tag, its last one has
 * only four values). Any string works; a short one falls in a fixed map.
 */
function shardOf(sessionId: string): number {
  const n = sessionId.length;
  return n < 3 ? 0 : (sessionId.charCodeAt(n - 2) * 31 + sessionId.charCodeAt(n - 3)) & (SHARDS - 1);
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
      }
    }
    return seen;
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
    has: (sessionId) => (shards[shardOf(sessionId)] as Map<string, number>).has(sessionId),
    add(sessionId, revokedAt) {
      const now = clock.now();
      if (revokedAt < now - retentionMs) return;
      const shard = shards[shardOf(sessionId)] as Map<string, number>;
      const known = shard.get(sessionId);
      if (known === undefined || known < revokedAt) {
        shard.set(sessionId, revokedAt);
        if (known === undefined) size += 1;
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
