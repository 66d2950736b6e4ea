import type { AttemptCount, AttemptHit, AttemptStore } from './attempt-store.js';

const NONE: AttemptCount = { failures: 0, resetAt: 0 };

/**
 * Attempt counts in this process's memory: right for a single instance (the
 * embedded default). Several instances behind a load balancer each count on
 * their own, so an attacker spreading guesses gets the limit once per
 * instance; use a shared store there.
 *
 * @example
 * const store = createMemoryAttemptStore();
 */
export function createMemoryAttemptStore(options: { readonly maxKeys?: number } = {}): AttemptStore {
  const maxKeys = options.maxKeys ?? 100_000;
  const windows = new Map<string, { failures: number; resetAt: number }>();

  function current(key: string, now: number): AttemptCount {
    const entry = windows.get(key);
    if (entry === undefined) return NONE;
    if (entry.resetAt <= now) {
      windows.delete(key);
      return NONE;
    }
    return entry;
  }

  function evictExpired(now: number): void {
    for (const [key, entry] of windows) if (entry.resetAt <= now) windows.delete(key);
    // Still full of live windows (a flood of distinct keys): drop the oldest-inserted ones
    // rather than grow without bound; the flood's own keys are the most likely to go.
    for (const key of windows.keys()) {
      if (windows.size < maxKeys) break;
      windows.delete(key);
    }
  }

  return {
    async peek(keys, now) {
      return keys.map((key) => current(key, now));
    },
    async hit(keys, now, windowMs) {
      return keys.map((key) => {
        const running = current(key, now);
        if (running.failures > 0) {
          const next = { failures: running.failures + 1, resetAt: running.resetAt };
          windows.set(key, next);
          return next;
        }
        if (windows.size >= maxKeys) evictExpired(now);
        const started = { failures: 1, resetAt: now + windowMs };
        windows.set(key, started);
        return started;
      });
    },
    async release(hits: readonly AttemptHit[]) {
      for (const { key, resetAt } of hits) {
        const entry = windows.get(key);
        if (entry === undefined || entry.resetAt !== resetAt) continue;
        if (entry.failures <= 1) windows.delete(key);
        else windows.set(key, { failures: entry.failures - 1, resetAt });
      }
    },
    async clear(keys) {
      for (const key of keys) windows.delete(key);
    },
  };
}
