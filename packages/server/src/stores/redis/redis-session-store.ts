import {
  isSessionId,
  type RevokedSession,
  type SessionRecord,
  type SessionStore,
  sessionIdTag,
  userSessionTag,
} from '@jwtgate/core';
import { Cluster, type Redis } from 'ioredis';
import { type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import { createRedisClock } from './redis-clock.js';
import { type RedisKeys, redisKeys } from './redis-keys.js';
import { type RedisScript, runScript } from './redis-script.js';
import { createRevocationLog, type RevocationLog } from './revocation-log.js';
import { createRevocationReconciler, type RevocationDoubt } from './revocation-reconciler.js';
import {
  countActiveScript,
  createSessionScript,
  deleteEndedScript,
  FENCED_REPLY,
  listActiveScript,
  revokeAllScript,
  revokeSessionScript,
  rotateSessionScript,
} from './session-scripts.js';

/** Options of {@link createRedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /** Prefix of every key, e.g. `jwtgate:`. */
  readonly keyPrefix: string;
  /**
   * How long an ended session, and a revocation in the shared log, is kept:
   * the access-token lifetime plus clock leeway, in milliseconds.
   */
  readonly retentionMs: number;
  /** Every call answers within this time or fails with `ERR_STORE_UNAVAILABLE`. */
  readonly timeoutMs?: number;
  /**
   * The shared revocation log, on the same Redis as the sessions (the
   * scripts write into it); one is made from the same client and keys if omitted.
   */
  readonly revocationLog?: RevocationLog;
}

/** A session store in Redis; `close()` stops background retries (the client is the caller's). */
export interface RedisSessionStore extends SessionStore {
  readonly keys: RedisKeys;
  readonly revocationLog: RevocationLog;
  /**
   * Revoking calls that failed without an answer and may yet have run; each
   * is looked at again once it cannot run any more, and what it did announced.
   */
  readonly doubtfulRevocations: { readonly pending: number; settle(): Promise<void> };
  close(): void;
}

const FIELDS = [
  'userId',
  'device',
  'ip',
  'userAgent',
  'createdAt',
  'lastUsedAt',
  'expiresAt',
  'refreshExpiresAt',
  'generation',
  'currentHash',
  'previousHash',
  'rotatedAt',
  'revokedAt',
  'revokeReason',
  'amr',
  'authTime',
  'credentialVersion',
] as const satisfies readonly (keyof SessionRecord)[];

const NUMBERS = new Set<string>([
  'createdAt',
  'lastUsedAt',
  'expiresAt',
  'refreshExpiresAt',
  'generation',
  'rotatedAt',
  'revokedAt',
  'authTime',
  'credentialVersion',
]);

/** A session as field/value pairs; null fields are left out. */
function toFields(session: SessionRecord): string[] {
  return FIELDS.flatMap((field) => {
    const value = session[field];
    if (field === 'amr') return ['amr', session.amr.join(' ')];
    return value === null ? [] : [field, String(value)];
  });
}

/** The record back from field/value pairs (HGETALL order). */
function fromFields(id: string, pairs: readonly string[]): SessionRecord {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < pairs.length; i += 2) values.set(pairs[i] as string, pairs[i + 1] as string);
  const record: Record<string, unknown> = { id };
  for (const field of FIELDS) {
    const value = values.get(field);
    record[field] = value === undefined ? null : NUMBERS.has(field) ? Number(value) : value;
  }
  // Sessions stored before these fields existed were all password logins.
  record.amr = typeof record.amr === 'string' && record.amr !== '' ? record.amr.split(' ') : ['pwd'];
  record.authTime ??= record.createdAt;
  // Sessions stored before credential versions existed started from the first one.
  record.credentialVersion ??= 0;
  return record as unknown as SessionRecord;
}

function endOf(session: SessionRecord): number {
  return Math.min(session.expiresAt, session.refreshExpiresAt, session.revokedAt ?? Number.POSITIVE_INFINITY);
}

/**
 * Sessions in Redis (standalone, Sentinel or Cluster through ioredis). Every
 * method is one Lua script or one command on one hash slot, so it is atomic
 * and needs one round trip: a session's key is derived from its id, whose
 * first characters are its user's shard tag (`newSessionId(userId)`).
 *
 * - Rotation is a compare-and-swap in a script: exactly one concurrent caller wins.
 * - Login with a session limit evicts the oldest active sessions in the same script.
 * - Keys expire by themselves: a session once it has ended (expired, gone idle,
 *   or been revoked) plus the retention; a user's index with their longest-lived session.
 * - A script that revokes sessions also announces them: with one master
 *   (standalone, Sentinel) it writes them to the shared revocation log and
 *   publishes their notices itself, so a revocation is stored and announced
 *   together or not at all, whatever happens to this process. In Redis
 *   Cluster the log is in another hash slot, out of a script's reach: the
 *   script publishes the notices (a keyless command, which the cluster
 *   passes to every node), and the log is written right after it returns
 *   (publishing them again); see {@link createRevocationLog}.
 * - A call is given up after `timeoutMs`, and answered 503. So that it cannot
 *   take effect later unannounced, every script that writes is fenced: it
 *   does nothing if Redis starts it more than half the timeout after the
 *   call began (by Redis's clock, see `redis-clock.ts`). In Cluster, a
 *   revoking call that ran but whose answer was lost anyway is looked at
 *   again after its fence and written to the log ({@link createRevocationReconciler}).
 *
 * @example
 * const store = createRedisSessionStore(client, { keyPrefix: 'jwtgate:', retentionMs: 905_000, timeoutMs: 1000 });
 */
export function createRedisSessionStore(client: Redis | Cluster, options: RedisSessionStoreOptions): RedisSessionStore {
  const keys = redisKeys(options.keyPrefix);
  const retention = options.retentionMs;
  const log = options.revocationLog ?? createRevocationLog(client, { keys, retentionMs: retention });
  const call: StoreCallOptions = {
    backend: 'redis',
    ...(options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs }),
  };
  const run = <T>(operation: () => Promise<T>) => withStoreErrors(operation, call);
  const clock = createRedisClock(client);
  const timeoutMs = options.timeoutMs;
  /** Whether the revoking scripts can reach the log's keys: one master holds every key. */
  const logInScripts = !(client instanceof Cluster);
  /** The KEYS a revoking script adds after its own, and the arguments after its fence. */
  const announcement = () => log.announcement(logInScripts);
  /** The latest Redis time at which a write begun now may still start. */
  const fence = () => (timeoutMs === undefined ? Number.MAX_SAFE_INTEGER : clock.at(timeoutMs / 2));
  const reconciler = createRevocationReconciler(client, {
    keys,
    log,
    retentionMs: retention,
    firstDelayMs: timeoutMs ?? 1_000,
  });
  /**
   * Runs a revoking write; when it fails without Redis saying it did nothing
   * (the fence refused it), what it may have done is settled later.
   *
   * The fence stays as it was: a script Redis reaches after it refuses
   * to run, revocation and announcement alike, so a client told 503 finds
   * nothing ended. A doubt is only needed where the script cannot write the
   * log (Cluster): with the log in the script, a call that ran has stored
   * and announced its revocations in the same atomic step, and one that did
   * not run did neither, so a lost answer leaves nothing to announce.
   * (The reconciler would only find them again and repeat the notices.)
   */
  async function revoking<T>(
    write: (fence: number) => Promise<T>,
    doubt: (fence: number) => RevocationDoubt,
  ): Promise<T> {
    const at = fence();
    try {
      return await run(() => write(at));
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      const fenced = cause instanceof Error && cause.message.startsWith(FENCED_REPLY);
      if (!fenced && !logInScripts) reconciler.doubt(doubt(at));
      throw error;
    }
  }

  /**
   * After a revoking script returned: in Cluster, its notices went out from
   * the script, and the log (for instances catching up) is written now, the
   * first thing done with the answer, so a crash leaves it unwritten only in
   * the instant between the two; a failed write is retried in the background.
   * The log write publishes the notices again: an instance that subscribed
   * after the script's message and read the log before this write would
   * otherwise miss them (a repeated notice changes nothing).
   */
  async function logAfterScript(sessions: readonly RevokedSession[]): Promise<void> {
    if (logInScripts) return;
    await log.record(sessions);
  }

  /** Revocations older than the retention no longer matter to anyone. */
  const recent = (sessions: readonly RevokedSession[], now: number) =>
    sessions.filter((s) => now - s.revokedAt <= retention);

  /**
   * Runs `script` (KEYS: a user index; ARGV: its session-key base, `arg`) on
   * every user index, found by a SCAN of each master 500 keys a step, and
   * adds up the numbers it answers. A step's scripts go out at once: one
   * round trip's worth of waiting per step, not per key.
   */
  async function sumOverUserIndexes(script: RedisScript, arg: string): Promise<number> {
    let total = 0;
    const nodes = client instanceof Cluster ? client.nodes('master') : [client];
    for (const node of nodes) {
      const stream = node.scanStream({ match: keys.userIndexPattern, count: 500 });
      for await (const batch of stream as AsyncIterable<string[]>) {
        const counts = await Promise.all(
          batch.map(async (key) => {
            const base = keys.sessionBaseOfIndex(key);
            return base === null ? 0 : Number(await runScript(client, script, [key], [base, arg]));
          }),
        );
        for (const count of counts) total += count;
      }
    }
    return total;
  }

  return {
    keys,
    revocationLog: log,
    doubtfulRevocations: reconciler,
    close() {
      reconciler.close();
      clock.close();
      log.close();
    },

    async create(session, { now, maxActive }) {
      if (!isSessionId(session.id) || sessionIdTag(session.id) !== userSessionTag(session.userId)) {
        throw new TypeError(
          "the Redis session store needs session ids made by newSessionId(userId) for the session's user",
        );
      }
      const tag = userSessionTag(session.userId);
      const announced = announcement();
      const evictedIds = (await revoking(
        (at) =>
          runScript(
            client,
            createSessionScript,
            [keys.session(session.id), keys.userIndex(session.userId), ...announced.keys],
            [
              at,
              ...announced.args,
              session.id,
              keys.sessionBase(tag),
              String(now),
              String(maxActive),
              String(retention),
              String(session.createdAt),
              String(endOf(session) + retention),
              String(session.expiresAt),
              ...toFields(session),
            ],
          ),
        (at) => ({ kind: 'user', userId: session.userId, since: now, fence: at }),
      )) as string[];
      const evicted = evictedIds.map((id): RevokedSession => ({ id, userId: session.userId, revokedAt: now }));
      await logAfterScript(evicted);
      return evicted;
    },

    get: (id) =>
      run(async () => {
        if (!isSessionId(id)) return null;
        const pairs = await client.hgetall(keys.session(id));
        return Object.keys(pairs).length === 0 ? null : fromFields(id, Object.entries(pairs).flat());
      }),

    listActive: (userId, now) =>
      run(async () => {
        const rows = (await runScript(
          client,
          listActiveScript,
          [keys.userIndex(userId)],
          [keys.sessionBase(userSessionTag(userId)), String(now)],
        )) as string[][];
        return rows.map(([id, ...pairs]) => fromFields(id as string, pairs));
      }),

    countActive: (now) =>
      // No maintained counter: sessions end by themselves (expiry) without any command to
      // count down on, and one global key would leave the user's hash slot that every script
      // keeps to. So a SCAN of the user indexes (500 keys a step, on each master), and per
      // index one short script counting its live sessions; each step blocks Redis briefly,
      // and the whole costs time in proportion to the keys and sessions there are.
      withStoreErrors(() => sumOverUserIndexes(countActiveScript, String(now)), { backend: 'redis' }),

    rotate: (rotation) =>
      run(async () => {
        if (!isSessionId(rotation.id)) return false;
        const won = await runScript(
          client,
          rotateSessionScript,
          [keys.session(rotation.id)],
          [
            fence(),
            String(rotation.fromGeneration),
            rotation.fromHash,
            rotation.toHash,
            String(rotation.now),
            String(rotation.refreshExpiresAt),
            String(retention),
            rotation.ip === null ? '0' : '1',
            rotation.ip ?? '',
            rotation.userAgent === null ? '0' : '1',
            rotation.userAgent ?? '',
          ],
        );
        return won === 1;
      }),

    async revoke(id, { now, reason, userId }) {
      if (!isSessionId(id)) return null;
      const announced = announcement();
      const result = (await revoking(
        (at) =>
          runScript(
            client,
            revokeSessionScript,
            [keys.session(id), ...announced.keys],
            [
              at,
              ...announced.args,
              String(now),
              reason,
              String(retention),
              userId === undefined ? '0' : '1',
              userId ?? '',
              id,
            ],
          ),
        (at) => ({ kind: 'session', sessionId: id, fence: at }),
      )) as [string, string, string] | null;
      if (result === null) return null;
      const [owner, revokedAt, fresh] = result;
      const revoked: RevokedSession = { id, userId: owner, revokedAt: Number(revokedAt) };
      // A revocation whose answer was lost (a timeout) is announced again when it is retried
      // (by the script itself, and in Cluster written to the log again here).
      await logAfterScript(recent([revoked], now));
      return fresh === '1' ? revoked : null;
    },

    async revokeAll(userId, { now, reason, exceptId, exceptCredentialVersion }) {
      const announced = announcement();
      const [revokedIds, already] = (await revoking(
        (at) =>
          runScript(
            client,
            revokeAllScript,
            [keys.userIndex(userId), ...announced.keys],
            [
              at,
              ...announced.args,
              keys.sessionBase(userSessionTag(userId)),
              String(now),
              reason,
              String(retention),
              exceptId === undefined ? '0' : '1',
              exceptId ?? '',
              exceptId === undefined || exceptCredentialVersion === undefined ? '' : String(exceptCredentialVersion),
              userId,
            ],
          ),
        (at) => ({ kind: 'user', userId, since: now, fence: at }),
      )) as [string[], [string, string][]];
      const revoked = revokedIds.map((id): RevokedSession => ({ id, userId, revokedAt: now }));
      const again = already.map(([id, at]): RevokedSession => ({ id, userId, revokedAt: Number(at) }));
      await logAfterScript([...revoked, ...recent(again, now)]);
      return revoked;
    },

    listRevokedSince: (since) => run(() => log.since(since)),

    deleteEnded: (before) =>
      // A sweep over every user index: Redis already expires ended sessions by
      // itself, so the server never schedules this for Redis; it is here for
      // completeness of the contract and for operators.
      withStoreErrors(() => sumOverUserIndexes(deleteEndedScript, String(before)), { backend: 'redis' }),
  };
}
