import type { RevokedSession } from './session-record.js';

/**
 * The wire format of the revocation feed: how one jwtgate instance tells the
 * others, and resource services that verify tokens themselves, that sessions
 * ended. Transport-neutral; the Redis transport publishes each message on
 * {@link revocationChannel} and keeps every notice in the sorted set
 * {@link revokedSessionsKey} (member: session id, score: `revokedAt`), which a
 * subscriber reads after (re)connecting so that a missed message cannot leave
 * a revoked session alive.
 *
 * A message is `{"v":1,"revoked":[{"sid","sub","at"}]}`, with `at` in
 * milliseconds since the epoch. It carries no token and no secret.
 */

/** The version this code writes and understands. */
export const REVOCATION_NOTICE_VERSION = 1;

/** Most notices in one message; a revoke-all of a huge account is split. */
export const MAX_NOTICES_PER_MESSAGE = 1000;

/** Longest accepted message, in characters; longer input is refused before parsing. */
const MAX_MESSAGE_LENGTH = MAX_NOTICES_PER_MESSAGE * 160 + 64;

/** Session ids and user ids are printable ASCII labels; anything else is not ours. */
const ID = /^[\x21-\x7e]{1,128}$/;

/** The pub/sub channel revocations are published on, under a key prefix such as `jwtgate:`. */
export function revocationChannel(prefix: string): string {
  return `${prefix}revocations`;
}

/** The sorted set that remembers recent revocations, under a key prefix such as `jwtgate:`. */
export function revokedSessionsKey(prefix: string): string {
  return `${prefix}revoked`;
}

/**
 * Serialises revocations into messages of at most {@link MAX_NOTICES_PER_MESSAGE}.
 *
 * @example
 * for (const message of encodeRevocationNotices(revoked)) await redis.publish(revocationChannel('jwtgate:'), message);
 */
export function encodeRevocationNotices(sessions: readonly RevokedSession[]): string[] {
  const messages: string[] = [];
  for (let start = 0; start < sessions.length; start += MAX_NOTICES_PER_MESSAGE) {
    const revoked = sessions
      .slice(start, start + MAX_NOTICES_PER_MESSAGE)
      .map((s) => ({ sid: s.id, sub: s.userId, at: s.revokedAt }));
    messages.push(JSON.stringify({ v: REVOCATION_NOTICE_VERSION, revoked }));
  }
  return messages;
}

/**
 * Parses a message of the feed. Returns `null` for anything that is not a
 * well-formed message of a known version, so a subscriber can count and skip
 * noise on a shared channel instead of crashing on it.
 *
 * @example
 * const notices = decodeRevocationNotices(message);
 * if (notices !== null) for (const n of notices) revocations.add(n.id, n.revokedAt);
 */
export function decodeRevocationNotices(message: string): RevokedSession[] | null {
  if (typeof message !== 'string' || message.length > MAX_MESSAGE_LENGTH) return null;
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  const { v, revoked } = value as { v?: unknown; revoked?: unknown };
  if (v !== REVOCATION_NOTICE_VERSION || !Array.isArray(revoked) || revoked.length > MAX_NOTICES_PER_MESSAGE) {
    return null;
  }
  const sessions: RevokedSession[] = [];
  for (const entry of revoked) {
    if (entry === null || typeof entry !== 'object') return null;
    const { sid, sub, at } = entry as { sid?: unknown; sub?: unknown; at?: unknown };
    if (typeof sid !== 'string' || !ID.test(sid) || typeof sub !== 'string' || !ID.test(sub)) return null;
    if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) return null;
    sessions.push({ id: sid, userId: sub, revokedAt: at });
  }
  return sessions;
}
