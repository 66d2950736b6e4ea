import type { SessionRecord } from './session-record.js';
import type { SessionStore } from './session-store.js';

/**
 * A read of a session begun before its refresh, by a caller that has other
 * waiting to do first (the refresh throttle): the two round trips overlap.
 * Opaque: only the session manager that made it can use it, once.
 */
export interface SessionReadAhead {
  readonly sessionId: string;
}

/** The read-aheads of one session manager. */
export interface ReadAheads {
  /** Starts reading the session now. */
  start(sessionId: string): SessionReadAhead;
  /**
   * The read begun by `ahead`, if this manager made it for `sessionId` and
   * nobody took it yet; `undefined` otherwise (the caller then reads anew).
   */
  take(ahead: SessionReadAhead | null | undefined, sessionId: string): Promise<SessionRecord | null> | undefined;
}

/**
 * Read-aheads on `store`. Each is good for one refresh only, so a read can
 * never be judged twice or long after it was made; one nobody takes is
 * forgotten with the handle, and its failure is nobody's answer.
 *
 * @example
 * const ahead = readAheads.start(sessionId); // while the throttle decides
 * const session = await (readAheads.take(ahead, sessionId) ?? store.get(sessionId));
 */
export function createReadAheads(store: Pick<SessionStore, 'get'>): ReadAheads {
  const reads = new WeakMap<SessionReadAhead, Promise<SessionRecord | null>>();
  return {
    start(sessionId) {
      const ahead: SessionReadAhead = Object.freeze({ sessionId });
      const read = store.get(sessionId);
      // Whoever takes it sees its failure; if nobody does, it must not surface as unhandled.
      read.catch(() => {});
      reads.set(ahead, read);
      return ahead;
    },
    take(ahead, sessionId) {
      if (ahead == null || ahead.sessionId !== sessionId) return undefined;
      const read = reads.get(ahead);
      reads.delete(ahead);
      return read;
    },
  };
}
