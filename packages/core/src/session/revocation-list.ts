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
 * @example
 * const revoked = createRevocationList({ clock: systemClock, retentionMs: 15 * 60_000 + 5_000 });
 * revoked.add(sessionId, Date.now());
 * revoked.has(sessionId); // true
 */
export function createRevocationList(options: { clock: Clock; retentionMs: number }): RevocationList {
  const { clock, retentionMs } = options;
  const entries = new Map<string, number>();
  const listeners = new Set<(sessionId: string, revokedAt: number) => void>();
  let nextPrune = clock.now() + retentionMs;

  function prune(): void {
    const cutoff = clock.now() - retentionMs;
    for (const [id, revokedAt] of entries) {
      if (revokedAt < cutoff) entries.delete(id);
    }
    nextPrune = clock.now() + Math.min(retentionMs, 60_000);
  }

  return {
    has: (sessionId) => entries.has(sessionId),
    add(sessionId, revokedAt) {
      const now = clock.now();
      if (revokedAt < now - retentionMs) return;
      const known = entries.get(sessionId);
      if (known === undefined || known < revokedAt) {
        entries.set(sessionId, revokedAt);
        for (const listener of listeners) listener(sessionId, revokedAt);
      }
      // Pruning rides on writes so no timer is needed and reads stay a bare lookup.
      if (now >= nextPrune) prune();
    },
    prune,
    watch(listener) {
      // A wrapper of its own, so that watching twice with one function makes two watches.
      const watcher = (sessionId: string, revokedAt: number) => listener(sessionId, revokedAt);
      listeners.add(watcher);
      return () => listeners.delete(watcher);
    },
    get size() {
      return entries.size;
    },
    retentionMs,
  };
}
