import { revocationChannel, revokedSessionsKey, sessionIdTag, userSessionTag } from '@jwtgate/core';

/** What a key prefix may contain: no hash-tag braces, no glob characters, nothing to escape. */
const PREFIX = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Every Redis key and channel name jwtgate uses under one prefix.
 *
 * A user's keys carry the hash tag `{<tag>}`, the 4-character shard tag of the
 * user (`userSessionTag`), which every session id of the user starts with. So
 * the session hash (found from the session id alone) and the user's session
 * index (found from the user id) always sit in one Redis Cluster hash slot,
 * and every script touches a single slot.
 *
 * ```
 * <prefix>{<tag>}:s:<sessionId>   hash: one session
 * <prefix>{<tag>}:u:<userId>      sorted set: the user's session ids, by creation time
 * <prefix>revoked                 sorted set: recently revoked session ids, by revocation time
 * {<prefix>revoked}:users         hash: session id → user id, for those same entries
 * <prefix>revocations             pub/sub channel of revocation notices
 * ```
 */
export interface RedisKeys {
  readonly prefix: string;
  session(sessionId: string): string;
  /** Where the session keys of a user's tag start; scripts append session ids to it. */
  sessionBase(tag: string): string;
  userIndex(userId: string): string;
  /** The glob matching every user index, for SCAN. */
  readonly userIndexPattern: string;
  /** The session-key base of the user that a user index key belongs to, or `null` if it is not one. */
  sessionBaseOfIndex(indexKey: string): string | null;
  readonly revoked: string;
  readonly revokedUsers: string;
  readonly channel: string;
}

/**
 * @example
 * const keys = redisKeys('jwtgate:');
 * keys.session(sessionId); // 'jwtgate:{q3Xa}:s:q3XaRk…'
 */
export function redisKeys(prefix: string): RedisKeys {
  if (!PREFIX.test(prefix)) {
    throw new TypeError('the Redis key prefix must be 1-64 characters of A-Z a-z 0-9 . _ : -');
  }
  const sessionBase = (tag: string) => `${prefix}{${tag}}:s:`;
  const indexKey = new RegExp(`^${prefix.replace(/[.]/g, '\\.')}\\{([A-Za-z0-9_-]{4})\\}:u:`);
  return {
    prefix,
    session: (sessionId) => `${sessionBase(sessionIdTag(sessionId))}${sessionId}`,
    sessionBase,
    userIndex: (userId) => `${prefix}{${userSessionTag(userId)}}:u:${userId}`,
    userIndexPattern: `${prefix}{*}:u:*`,
    sessionBaseOfIndex(key) {
      const match = indexKey.exec(key);
      return match === null ? null : sessionBase(match[1] as string);
    },
    revoked: revokedSessionsKey(prefix),
    // The hash tag is the whole name of the sorted set, so both share its slot.
    revokedUsers: `{${revokedSessionsKey(prefix)}}:users`,
    channel: revocationChannel(prefix),
  };
}
