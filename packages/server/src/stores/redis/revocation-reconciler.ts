import { type RevokedSession, userSessionTag } from '@jwtgate/core';
import type { Cluster, Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.js';
import { runScript } from './redis-script.js';
import type { RevocationLog } from './revocation-log.js';
import { revokedOfUserScript, revokedSessionScript } from './session-scripts.js';

/**
 * A revoking call whose outcome is unknown: it failed without a word from
 * Redis (a timeout, a dropped connection), so it may have run. `fence` is
 * the Redis time after which it can no longer run.
 */
export type RevocationDoubt =
  | { readonly kind: 'session'; readonly sessionId: string; readonly fence: number }
  | {
      readonly kind: 'user';
      readonly userId: string;
      /** The revocation time the call would have written: only revocations from then on are its own. */
      readonly since: number;
      readonly fence: number;
    };

/** Options of {@link createRevocationReconciler}. */
export interface RevocationReconcilerOptions {
  readonly keys: RedisKeys;
  readonly log: RevocationLog;
  /** How long a revocation matters (access lifetime plus leeway); older doubts are dropped. */
  readonly retentionMs: number;
  /** The first look, after a doubt, and the shortest wait between looks. */
  readonly firstDelayMs: number;
  readonly onError?: (error: unknown) => void;
}

/** Announces whatever revoking calls in doubt turn out to have done. */
export interface RevocationReconciler {
  doubt(doubt: RevocationDoubt): void;
  /** Doubts not yet settled. */
  readonly pending: number;
  /** Settles what can be settled now; resolves when this round is over. */
  settle(): Promise<void>;
  close(): void;
}

/** Doubts are capped, so a long outage cannot grow memory without bound. */
const MAX_DOUBTS = 100_000;
const MAX_DELAY_MS = 5_000;

const isEarly = (error: unknown) => error instanceof Error && error.message.startsWith('JWTGATE_EARLY');

/**
 * A call that revokes sessions is fenced (it refuses to start after its
 * deadline), but its answer can still be lost after it ran: the client was
 * told 503, and the revocation must then at least be announced, or its
 * access tokens would stay valid on every other instance. So each doubt is
 * looked at again once the fence has passed (Redis refuses the look before
 * that, `JWTGATE_EARLY`), on the same connection as the call, and every
 * revocation found is written to the revocation log, which publishes it.
 * Announcing one that was already announced changes nothing.
 *
 * Needed only on a Redis Cluster: with one master the revoking script writes
 * the log and publishes in the same atomic step as the revocation, so a call
 * that ran announced itself, and the store hands no doubts over.
 *
 * @example
 * const reconciler = createRevocationReconciler(client, { keys, log, retentionMs, firstDelayMs: 1000 });
 * reconciler.doubt({ kind: 'session', sessionId, fence });
 */
export function createRevocationReconciler(
  client: Redis | Cluster,
  options: RevocationReconcilerOptions,
): RevocationReconciler {
  const { keys, log, retentionMs } = options;
  const doubts = new Map<string, RevocationDoubt & { readonly addedAt: number }>();
  let timer: NodeJS.Timeout | undefined;
  let delayMs = options.firstDelayMs;
  let running: Promise<void> | undefined;
  let closed = false;

  function schedule(): void {
    if (closed || timer !== undefined || doubts.size === 0) return;
    // Jittered, so instances that doubted during one outage do not all look at the same moment.
    timer = setTimeout(
      () => {
        timer = undefined;
        void settle();
      },
      delayMs * (0.5 + Math.random()),
    );
    timer.unref();
  }

  async function look(doubt: RevocationDoubt): Promise<RevokedSession[]> {
    if (doubt.kind === 'session') {
      const found = (await runScript(client, revokedSessionScript, [keys.session(doubt.sessionId)], [doubt.fence])) as
        | [string, string]
        | [];
      if (found.length === 0) return [];
      return [{ id: doubt.sessionId, userId: found[0], revokedAt: Number(found[1]) }];
    }
    const { userId } = doubt;
    const base = keys.sessionBase(userSessionTag(userId));
    const rows = (await runScript(
      client,
      revokedOfUserScript,
      [keys.userIndex(userId)],
      [doubt.fence, base, doubt.since],
    )) as [string, string][];
    return rows.map(([id, at]) => ({ id, userId, revokedAt: Number(at) }));
  }

  async function round(): Promise<void> {
    let failed = false;
    for (const [key, doubt] of doubts) {
      if (closed) return;
      if (Date.now() - doubt.addedAt > retentionMs) {
        doubts.delete(key);
        continue;
      }
      try {
        const revoked = await look(doubt);
        doubts.delete(key);
        const cutoff = Date.now() - retentionMs;
        await log.record(revoked.filter((s) => s.revokedAt >= cutoff));
      } catch (error) {
        if (isEarly(error)) continue;
        failed = true;
        options.onError?.(error);
        break;
      }
    }
    delayMs = failed ? Math.min(delayMs * 2, MAX_DELAY_MS) : options.firstDelayMs;
  }

  function settle(): Promise<void> {
    running ??= round().finally(() => {
      running = undefined;
      schedule();
    });
    return running;
  }

  return {
    doubt(doubt) {
      if (closed) return;
      const key = doubt.kind === 'session' ? `s:${doubt.sessionId}` : `u:${doubt.userId}:${doubt.since}`;
      doubts.delete(key);
      doubts.set(key, { ...doubt, addedAt: Date.now() });
      // The oldest go first: a newer doubt about the same user covers most of what they would find.
      while (doubts.size > MAX_DOUBTS) doubts.delete(doubts.keys().next().value as string);
      schedule();
    },
    get pending() {
      return doubts.size;
    },
    settle,
    close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
