import type { RevocationEntry } from './load-revocations.js';

/**
 * Revocations read per call when catching up on the Redis revocation log:
 * a few milliseconds of Redis time each, so a catch-up of a million
 * entries never holds Redis, or the reader's event loop, for long.
 */
export const REVOCATION_PAGE = 1_000;

/**
 * A position in the revocation log (a sorted set scored by revocation time
 * in milliseconds): entries scored `score` or more, less the first `skip`
 * of those scored exactly `score` (revocations of the same millisecond),
 * which an earlier page returned.
 */
export interface RevocationLogCursor {
  readonly score: number;
  readonly skip: number;
}

/** One page of the revocation log, and where the next one starts (`null` after the last). */
export interface RevocationLogPage {
  readonly revocations: readonly RevocationEntry[];
  readonly next: RevocationLogCursor | null;
}

/**
 * Reads the reply of `ZRANGEBYSCORE key <from.score> +inf WITHSCORES LIMIT
 * <from.skip> <limit>` (member, score, member, score…) into a page. Entries
 * whose score is not a whole number of milliseconds are left out; they
 * still count for the cursor, so the next page starts after them.
 *
 * The cursor is a score and a count of that score's entries already read,
 * not an offset into the whole set: the expiry of old entries during a
 * catch-up shifts nothing. An entry added behind the cursor meanwhile shifts
 * what is skipped by one at most; it was published after the reader
 * subscribed, so it arrives as a message anyway.
 *
 * @example
 * let from = { score: now - retentionMs, skip: 0 };
 * for (;;) {
 *   const reply = await redis.zrangebyscore(key, String(from.score), '+inf', 'WITHSCORES', 'LIMIT', from.skip, REVOCATION_PAGE);
 *   const page = readRevocationPage(reply, from, REVOCATION_PAGE);
 *   for (const r of page.revocations) list.add(r.id, r.revokedAt);
 *   if (page.next === null) break;
 *   from = page.next;
 * }
 */
export function readRevocationPage(
  reply: readonly string[],
  from: RevocationLogCursor,
  limit: number,
): RevocationLogPage {
  const revocations: RevocationEntry[] = [];
  let read = 0;
  let lastScore: number | undefined;
  let sameScore = 0;
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const score = Number(reply[i + 1]);
    read += 1;
    sameScore = score === lastScore ? sameScore + 1 : 1;
    lastScore = score;
    if (Number.isSafeInteger(score)) revocations.push({ id: reply[i] as string, revokedAt: score });
  }
  // A short page is the last; so is one ending on a score no cursor can start from (+inf).
  if (read < limit || lastScore === undefined || !Number.isFinite(lastScore)) return { revocations, next: null };
  const skip = lastScore === from.score ? from.skip + sameScore : sameScore;
  return { revocations, next: { score: lastScore, skip } };
}
