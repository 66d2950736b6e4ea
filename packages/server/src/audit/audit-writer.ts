import type { AuditStore, StoredAuditRecord } from '@jwtgate/core';

/** Options of {@link createAuditWriter}. */
export interface AuditWriterOptions {
  readonly store: AuditStore;
  /** Records per insert, at most (default 100); a full batch is written at once. */
  readonly batchSize?: number;
  /** How long a record may wait for others to share its insert (default 200 ms). */
  readonly flushIntervalMs?: number;
  /** Records held in memory at most (default 10 000); past it the oldest are dropped. */
  readonly maxQueue?: number;
  /** Wait before the first retry after a failed insert (default 500 ms); doubles up to `maxRetryMs`. */
  readonly retryMs?: number;
  /** The longest wait between retries (default 30 s). */
  readonly maxRetryMs?: number;
  /** A batch the store did not take; `firstOfOutage` for the first failure after a success. */
  readonly onWriteFailed?: (error: unknown, firstOfOutage: boolean) => void;
  /** Writes succeed again after an outage; `dropped` records were lost from the queue during it. */
  readonly onRecovered?: (dropped: number) => void;
  /** Records dropped from the queue; `firstOfOutage` for the first drop since the queue last had room. */
  readonly onDropped?: (count: number, firstOfOutage: boolean) => void;
}

/** Queues audit records and writes them to the store in batches, off the request path. */
export interface AuditWriter {
  /** Queues a record; returns at once and never throws. */
  write(record: StoredAuditRecord): void;
  /** Records queued or being written. */
  readonly pending: number;
  /**
   * Writes what is queued now, without waiting for the interval or a retry's
   * back-off; resolves when the queue is empty or an insert failed.
   */
  flush(): Promise<void>;
  /**
   * Stops the timers and writes what is left, trying for at most
   * `deadlineMs`; what is still queued then is dropped and counted. Resolves
   * to the number dropped.
   */
  close(deadlineMs: number): Promise<number>;
}

/**
 * Creates the database side of the audit trail. A request only pushes onto an
 * in-memory queue; one loop at a time inserts batches of up to `batchSize`,
 * as soon as a batch is full or `flushIntervalMs` after the first record, so
 * the database sees a few inserts a second rather than one per event.
 *
 * When an insert fails (the database is down or slow past its timeout), the
 * batch goes back to the head of the queue and is tried again after a
 * back-off that doubles up to `maxRetryMs`; the store skips ids it already
 * has, so a batch whose first attempt did land is not duplicated. Memory is
 * bounded by `maxQueue`: when an outage outlasts it, the oldest records are
 * dropped and counted. The structured log, written at once for every record,
 * remains the complete trail.
 *
 * @example
 * const writer = createAuditWriter({ store: createSqlAuditStore(db), onDropped: (n) => metrics.auditRecordsDropped(n) });
 * writer.write(toStoredAuditRecord(record));
 * await writer.close(5_000);
 */
export function createAuditWriter(options: AuditWriterOptions): AuditWriter {
  const { store } = options;
  const batchSize = options.batchSize ?? 100;
  const flushIntervalMs = options.flushIntervalMs ?? 200;
  const maxQueue = options.maxQueue ?? 10_000;
  const retryMs = options.retryMs ?? 500;
  const maxRetryMs = options.maxRetryMs ?? 30_000;

  const queue: StoredAuditRecord[] = [];
  let writing: Promise<void> | undefined;
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  /** Consecutive failed inserts; 0 when the store is healthy. */
  let failures = 0;
  let droppedThisOutage = 0;
  let dropping = false;
  let closed = false;

  function drop(count: number): void {
    if (count <= 0) return;
    droppedThisOutage += count;
    options.onDropped?.(count, !dropping);
    dropping = true;
  }

  /** Keeps the newest `maxQueue` records, counting the rest as dropped. */
  function trim(): void {
    const excess = queue.length + inFlight - maxQueue;
    if (excess > 0) drop(queue.splice(0, Math.min(excess, queue.length)).length);
  }

  function schedule(delayMs: number): void {
    if (closed || timer !== undefined || writing !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void run();
    }, delayMs);
    // The queue never keeps the process alive: shutdown flushes it explicitly.
    timer.unref();
  }

  function backoff(): number {
    const exponential = Math.min(maxRetryMs, retryMs * 2 ** Math.min(failures - 1, 30));
    // Jitter spreads the retries of several instances that lost the database together.
    return exponential / 2 + Math.random() * (exponential / 2);
  }

  /** Inserts batches until the queue is empty or an insert fails. */
  async function writeQueued(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, batchSize);
      inFlight = batch.length;
      try {
        await store.append(batch);
      } catch (error) {
        inFlight = 0;
        queue.unshift(...batch);
        trim();
        failures += 1;
        options.onWriteFailed?.(error, failures === 1);
        return;
      }
      inFlight = 0;
      if (failures > 0) {
        failures = 0;
        options.onRecovered?.(droppedThisOutage);
        droppedThisOutage = 0;
      }
      if (queue.length < maxQueue) dropping = false;
    }
  }

  /** Runs {@link writeQueued}, one loop at a time, and schedules the next when records are left. */
  function run(): Promise<void> {
    if (writing !== undefined) return writing;
    if (queue.length === 0) return Promise.resolve();
    // Cleared in a callback, never inside the loop: a loop that ended at once must not leave itself "running".
    const current = writeQueued().finally(() => {
      writing = undefined;
      if (queue.length > 0) schedule(failures > 0 ? backoff() : queue.length >= batchSize ? 0 : flushIntervalMs);
    });
    writing = current;
    return current;
  }

  return {
    write(record) {
      if (closed) {
        drop(1);
        return;
      }
      queue.push(record);
      trim();
      // While the store is failing, records wait for the retry rather than hastening it.
      if (failures === 0 && queue.length >= batchSize && timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      schedule(failures > 0 ? backoff() : queue.length >= batchSize ? 0 : flushIntervalMs);
    },
    get pending() {
      return queue.length + inFlight;
    },
    async flush() {
      clearTimeout(timer);
      timer = undefined;
      await writing;
      await run();
    },
    async close(deadlineMs) {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, deadlineMs).unref());
      const drain = async () => {
        await writing;
        // One more try even after failures: the database may be back; none after a failure here.
        while (queue.length > 0) {
          const before = failures;
          await run();
          if (failures > before) return;
        }
      };
      await Promise.race([drain(), deadline]);
      const left = queue.length + inFlight;
      queue.length = 0;
      drop(left);
      return left;
    },
  };
}
