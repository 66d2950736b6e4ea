import {
  type RevocationLogCursor,
  type RevocationLogPage,
  type RevokedSession,
  readRevocationPage,
} from '@jwtgate/core';
import type { Cluster, Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.js';
import { runScript } from './redis-script.js';
import { listRevokedScript, recordRevocationsScript } from './session-scripts.js';

/** Options of {@link createRevocationLog}. */
export interface RevocationLogOptions {
  readonly keys: RedisKeys;
  /** How long a revocation matters: access-token lifetime plus clock leeway, in milliseconds. */
  readonly retentionMs: number;
  /** Told when recording keeps failing; the log retries by itself meanwhile. */
  readonly onError?: (error: unknown) => void;
}

/**
 * The revocation feed in Redis: the sorted set of recent revocations that
 * subscribers read to catch up, and the channel they listen on
 * (`revocation-notice.ts` in core is the wire format).
 */
export interface RevocationLog {
  /**
   * Records and publishes revocations, in the same Lua as the session
   * store's revoking scripts, which do it themselves with one master. This is
   * for the rest: the log write after a script in Cluster, what the
   * reconciler finds there, and other writers. Never throws: the revocations
   * already happened in the session store, so a failure here is retried in
   * the background (until it succeeds or the entries are older than the
   * retention) instead of failing the request that made them. The retry
   * lives in this process only; see the Cluster entry of docs/deployment.md.
   */
  record(sessions: readonly RevokedSession[]): Promise<void>;
  /**
   * What a script that revokes sessions passes so that it announces them
   * itself, in the same atomic step (`announcement` in `session-scripts.ts`):
   * the log's keys to add to its KEYS, when the script can reach them (`withLog`:
   * one master, not a Cluster), and the arguments to put after its fence.
   * Without the log, the script only publishes, and the caller then records.
   */
  announcement(withLog: boolean): { readonly keys: readonly string[]; readonly args: readonly string[] };
  /** Revocations at or after `since`. Throws when Redis does not answer. */
  since(since: number): Promise<RevokedSession[]>;
  /**
   * One page of the log for a catch-up: at most `limit` revocations from
   * `from` on, in log order, with where the next page starts (`null` after
   * the last). One ZRANGEBYSCORE: O(log n + limit) for Redis, however long
   * the log. Throws when Redis does not answer.
   */
  page(from: RevocationLogCursor, limit: number): Promise<RevocationLogPage>;
  /** Stops the background retries. */
  close(): void;
}

export type { RevocationLogCursor, RevocationLogPage };

/** Entries awaiting a retry are capped, so a long outage cannot grow memory without bound. */
const MAX_PENDING = 100_000;

/**
 * @example
 * const log = createRevocationLog(client, { keys: redisKeys('jwtgate:'), retentionMs: 905_000 });
 * await log.record([{ id, userId, revokedAt: Date.now() }]);
 */
export function createRevocationLog(client: Redis | Cluster, options: RevocationLogOptions): RevocationLog {
  const { keys, retentionMs } = options;
  let pending: RevokedSession[] = [];
  let timer: NodeJS.Timeout | undefined;
  let delayMs = 100;
  let closed = false;
  /** The announcement arguments of the scripts: channel, the log's cutoff (the retention ago), retention. */
  const announcementArgs = () => [keys.channel, String(Date.now() - retentionMs), String(retentionMs)];

  async function write(sessions: readonly RevokedSession[]): Promise<void> {
    await runScript(
      client,
      recordRevocationsScript,
      [keys.revoked, keys.revokedUsers],
      [...announcementArgs(), ...sessions.flatMap((s) => [s.id, String(s.revokedAt), s.userId])],
    );
  }

  function schedule(): void {
    if (closed || timer !== undefined) return;
    timer = setTimeout(flush, delayMs);
    timer.unref();
    delayMs = Math.min(delayMs * 2, 5_000);
  }

  async function flush(): Promise<void> {
    timer = undefined;
    const cutoff = Date.now() - retentionMs;
    const batch = pending.filter((s) => s.revokedAt >= cutoff);
    pending = [];
    if (batch.length === 0) return;
    try {
      await write(batch);
      delayMs = 100;
    } catch (error) {
      pending = [...batch, ...pending].slice(-MAX_PENDING);
      options.onError?.(error);
      schedule();
    }
  }

  return {
    async record(sessions) {
      if (sessions.length === 0) return;
      try {
        await write(sessions);
      } catch (error) {
        pending = [...pending, ...sessions].slice(-MAX_PENDING);
        options.onError?.(error);
        schedule();
      }
    },
    announcement(withLog) {
      return {
        keys: withLog ? [keys.revoked, keys.revokedUsers] : [],
        args: announcementArgs(),
      };
    },
    async since(since) {
      const rows = (await runScript(client, listRevokedScript, [keys.revoked, keys.revokedUsers], [String(since)])) as [
        string,
        string,
        string,
      ][];
      return rows.map(([id, at, userId]) => ({ id, userId, revokedAt: Number(at) }));
    },
    async page(from, limit) {
      const flat = await client.zrangebyscore(
        keys.revoked,
        String(from.score),
        '+inf',
        'WITHSCORES',
        'LIMIT',
        from.skip,
        limit,
      );
      return readRevocationPage(flat, from, limit);
    },
    close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
