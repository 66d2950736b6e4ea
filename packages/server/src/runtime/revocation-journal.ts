import { randomBytes } from 'node:crypto';
import type { Clock, RevocationList } from '@jwtgate/core';

/** One revocation as this instance learnt it. */
export interface JournalEntry {
  /** This instance's arrival order, from 1, without gaps. */
  readonly seq: number;
  /** When this instance learnt it (its clock, never decreasing). */
  readonly arrivedAt: number;
  readonly sessionId: string;
  /** When the session was revoked (the revoking instance's clock). */
  readonly revokedAt: number;
}

/** Where a follower of the feed stands: what it last received, from which instance, and when. */
export interface FeedPosition {
  /** The instance run that handed the position out. */
  readonly epoch: string;
  /** The last `seq` received from that run. */
  readonly seq: number;
  /** Everything this run had learnt before this time (its clock) was received. */
  readonly at: number;
}

/** A page of the journal. */
export interface JournalPage {
  readonly entries: readonly JournalEntry[];
  /** Where the next read starts. */
  readonly next: FeedPosition;
  /** More entries are there already: read again at once. */
  readonly more: boolean;
}

/** Options of {@link createRevocationJournal}. */
export interface RevocationJournalOptions {
  readonly list: Pick<RevocationList, 'watch' | 'retentionMs'>;
  readonly clock: Clock;
  /**
   * The longest a revocation can take to reach one instance after reaching
   * another, clock skew included: how far back a position handed out by
   * another instance run is replayed.
   */
  readonly handoverMs: number;
}

/** The revocations this instance learnt, in arrival order; see {@link createRevocationJournal}. */
export interface RevocationJournal {
  /** This run's id; positions of other runs are replayed by time. */
  readonly epoch: string;
  /** Entries after `from` (`undefined`: every entry kept), at most `limit`; `'resync'` when `from` is older than the retention. */
  read(from: FeedPosition | undefined, limit: number): JournalPage | 'resync';
  /** Resolves on the next entry, after `timeoutMs`, or at `close()`, whichever comes first. */
  changed(timeoutMs: number): Promise<void>;
  /** How long an entry is kept, and so how old a position may be. */
  readonly retentionMs: number;
  /** Stops watching and releases every waiter. */
  close(): void;
}

/**
 * The revocation list of this instance as a journal in arrival order, which
 * the revocation feed (`GET /auth/revocations`) pages through. Ordering by
 * arrival, not by revocation time, is what makes a position exact: an entry
 * can reach this instance late (a write that committed late, a poll, clock
 * skew between instances) but never arrive before an earlier position of this
 * same run, so a follower of one run misses nothing and sees nothing twice.
 * A position from another run (another instance behind the load balancer, or
 * this one restarted) is replayed from its time minus `handoverMs`: entries
 * may then come twice, never not at all.
 *
 * Entries are kept one access-token lifetime (the list's retention), after
 * which no token of theirs can verify; a position older than that answers
 * `'resync'`.
 *
 * @example
 * const journal = createRevocationJournal({ list: sessions.revocations, clock, handoverMs: 20_000 });
 * const page = journal.read(undefined, 1000);
 */
export function createRevocationJournal(options: RevocationJournalOptions): RevocationJournal {
  const { clock, handoverMs } = options;
  const retentionMs = options.list.retentionMs;
  const epoch = randomBytes(6).toString('base64url');
  // entries[i].seq === first + i; dropped from the front once older than the retention.
  let entries: JournalEntry[] = [];
  let first = 1;
  let lastArrival = 0;
  let waiters = new Set<() => void>();
  let closed = false;

  const prune = (now: number) => {
    const cutoff = now - retentionMs;
    let drop = 0;
    while (drop < entries.length && (entries[drop] as JournalEntry).arrivedAt < cutoff) drop += 1;
    // In batches, so a steady stream does not copy the array on every entry.
    if (drop > 0 && (drop >= 1024 || drop === entries.length || drop * 2 >= entries.length)) {
      entries = entries.slice(drop);
      first += drop;
    }
  };

  const stop = options.list.watch((sessionId, revokedAt) => {
    const now = clock.now();
    lastArrival = Math.max(lastArrival, now);
    entries.push({ seq: first + entries.length, arrivedAt: lastArrival, sessionId, revokedAt });
    prune(now);
    const woken = waiters;
    waiters = new Set();
    for (const wake of woken) wake();
  });

  /** Index of the first entry that arrived at or after `at`. */
  const firstArrivedFrom = (at: number) => {
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((entries[middle] as JournalEntry).arrivedAt < at) low = middle + 1;
      else high = middle;
    }
    return low;
  };

  return {
    epoch,
    retentionMs,
    read(from, limit) {
      const now = clock.now();
      prune(now);
      if (from !== undefined && from.at < now - retentionMs) return 'resync';
      let start: number;
      if (from === undefined) start = firstArrivedFrom(now - retentionMs);
      else if (from.epoch === epoch) start = Math.min(entries.length, Math.max(0, from.seq + 1 - first));
      else start = firstArrivedFrom(from.at - handoverMs);
      const page = entries.slice(start, start + limit);
      const more = start + page.length < entries.length;
      const last = page.at(-1);
      // Caught up: everything learnt before now was received. Mid-way: everything up to the last entry.
      const next: FeedPosition =
        last === undefined
          ? { epoch, seq: first + start - 1, at: Math.max(now, lastArrival) }
          : { epoch, seq: last.seq, at: more ? last.arrivedAt : Math.max(now, lastArrival) };
      return { entries: page, next, more };
    },
    changed(timeoutMs) {
      if (closed) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(wake);
          resolve();
        }, timeoutMs);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        waiters.add(wake);
      });
    },
    close() {
      closed = true;
      stop();
      for (const wake of waiters) wake();
      waiters.clear();
    },
  };
}
