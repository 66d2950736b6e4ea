import { newSessionId, type RevocationList } from '@jwtgate/core';

/**
 * Fills a revocation list with `count` freshly revoked session ids, as a busy
 * server would hold after `count` logouts within one access-token lifetime.
 *
 * @example
 * seedRevocations(server.sessions.revocations, 100_000, Date.now());
 */
export function seedRevocations(list: RevocationList, count: number, now: number): void {
  for (let i = 0; i < count; i += 1) list.add(newSessionId(), now);
  if (list.size < count) throw new Error(`the revocation list kept ${list.size} of ${count} revoked sessions`);
}
