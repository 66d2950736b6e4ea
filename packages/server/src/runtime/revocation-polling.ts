import type { Clock, SessionManager } from '@jwtgate/core';

/** Options of {@link startRevocationPolling}. */
export interface RevocationPollingOptions {
  readonly sessions: Pick<SessionManager, 'syncRevocations'>;
  readonly clock: Clock;
  readonly intervalMs: number;
  /**
   * How far before the previous read each read starts again. Revocation
   * times come from the clock of the instance that made them and are stamped
   * before the write commits, so a read must look back over clock skew and
   * over the longest a write can take to commit.
   */
  readonly overlapMs: number;
  readonly onError?: (error: unknown) => void;
}

/** A running poll; `close()` stops it. */
export interface RevocationPolling {
  /**
   * 0 while the last read succeeded; else the milliseconds since the last
   * successful read began, the point up to which this instance is known to
   * have every revocation made elsewhere.
   */
  readonly behindMs: number;
  close(): void;
}

/**
 * Without Redis there is no channel to announce revocations on, so each
 * instance reads new ones from the session store every `intervalMs`: a
 * logout on one instance reaches the others within one interval (plus the
 * read itself). Each read only asks for revocations since the previous
 * successful read minus `overlapMs`: with the index on `revoked_at` it stays
 * cheap however many sessions there are.
 *
 * @example
 * const polling = startRevocationPolling({ sessions, clock: systemClock, intervalMs: 1000, overlapMs: 15_000 });
 */
export function startRevocationPolling(options: RevocationPollingOptions): RevocationPolling {
  const { sessions, clock } = options;
  // The caller has just read everything that can matter (start-up).
  let lastRead = clock.now();
  let failing = false;
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    const startedAt = clock.now();
    try {
      await sessions.syncRevocations(lastRead - options.overlapMs);
      lastRead = startedAt;
      failing = false;
    } catch (error) {
      failing = true;
      options.onError?.(error);
    } finally {
      running = false;
    }
  }, options.intervalMs);
  timer.unref();
  return {
    get behindMs() {
      return failing ? Math.max(1, clock.now() - lastRead) : 0;
    },
    close: () => clearInterval(timer),
  };
}
