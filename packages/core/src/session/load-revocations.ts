import type { RevocationList } from './revocation-list.js';

/** One revocation to record: a session id and when it was revoked (milliseconds). */
export interface RevocationEntry {
  readonly id: string;
  readonly revokedAt: number;
}

/** Options of {@link loadRevocations}. */
export interface LoadRevocationsOptions {
  /** Entries recorded between two yields. Default {@link REVOCATION_SLICE}. */
  readonly sliceSize?: number;
  /** Lets other work run; default: until the event loop's next check phase (`setImmediate`). */
  readonly yieldToLoop?: () => Promise<void>;
}

/**
 * Entries recorded per slice: about a millisecond of work on a loaded
 * 2-core machine, so timers, requests and health checks get their turn
 * hundreds of times a second while a start-up or a catch-up fills the list.
 */
export const REVOCATION_SLICE = 2_000;

const nextCheckPhase = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Records many revocations in slices, giving the event loop back between
 * slices: a million entries recorded in one loop held the loop for over a
 * second, during which the instance answered nothing, `/healthz` included.
 * Resolves with the number of entries read once all are recorded.
 *
 * @example
 * const rows = await store.listRevokedSince(clock.now() - revocations.retentionMs);
 * await loadRevocations(revocations, rows);
 */
export async function loadRevocations(
  list: Pick<RevocationList, 'add'>,
  entries: Iterable<RevocationEntry>,
  options: LoadRevocationsOptions = {},
): Promise<number> {
  const sliceSize = options.sliceSize ?? REVOCATION_SLICE;
  if (!Number.isInteger(sliceSize) || sliceSize < 1) throw new TypeError('sliceSize must be an integer >= 1');
  const yieldToLoop = options.yieldToLoop ?? nextCheckPhase;
  let count = 0;
  for (const entry of entries) {
    list.add(entry.id, entry.revokedAt);
    count += 1;
    if (count % sliceSize === 0) await yieldToLoop();
  }
  return count;
}
