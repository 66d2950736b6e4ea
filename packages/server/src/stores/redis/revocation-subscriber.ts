import { decodeRevocationNotices, type RevokedSession } from '@jwtgate/core';
import type { Redis } from 'ioredis';

/** Where a paged catch-up stands; opaque to the subscriber. */
export type CatchUpCursor = NonNullable<unknown>;

/** Options of {@link startRevocationSubscriber}. */
export interface RevocationSubscriberOptions {
  /** A fresh connection each call, which does not reconnect by itself. */
  readonly connect: () => Redis;
  readonly channel: string;
  /** Revocations as they are announced (this instance's own included). */
  readonly onNotices: (sessions: readonly RevokedSession[]) => void;
  /**
   * Reads one page of the revocations that may have been announced while
   * this instance was not listening, from `cursor` (`null`: from the start
   * of the window), applies them, and returns where the next page starts, or
   * `null` once at the end. Each call is bounded work for Redis; a page that
   * fails is read again from the same cursor.
   */
  readonly catchUpPage: (cursor: CatchUpCursor | null) => Promise<CatchUpCursor | null>;
  /**
   * How often the subscription is checked with PING (each check fails after
   * the connection's command timeout, at most this long). Without an answer
   * for three times this long, the feed no longer counts as live: the bound
   * on how long a connection that died silently goes unnoticed.
   */
  readonly heartbeatMs: number;
  readonly onError?: (error: unknown, during: 'connection' | 'catch-up') => void;
}

/** A running subscription to the revocation feed. */
export interface RevocationSubscriber {
  /**
   * Whether this instance is subscribed, caught up, and heard from Redis on
   * this connection within the last three heartbeats. While it is not,
   * revocations made elsewhere may not have reached it yet.
   */
  readonly live: boolean;
  /** Milliseconds since the feed was last known to be complete; 0 while live. */
  readonly behindMs: number;
  /** Notices ignored because they were not well-formed (noise on a shared channel). */
  readonly ignored: number;
  /**
   * Resolves the first time it is live; rejects once `timeoutMs` pass with
   * neither that nor progress (a connection made, a page of the log read), so
   * a long log delays it but an unreachable Redis fails it.
   */
  ready(timeoutMs: number): Promise<void>;
  close(): void;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

/** `ms`, spread over half to one and a half times it, so instances that failed together retry apart. */
const jitter = (ms: number) => Math.round(ms * (0.5 + Math.random()));

/**
 * Subscribes to the revocation channel and, after every (re)subscription,
 * catches up from the shared log, so a notice missed during a disconnection
 * cannot leave a revoked session alive here. The order matters: subscribe
 * first, then read, so nothing falls between the two: a revocation made
 * while the log is being read arrives as a message if the read has passed it.
 *
 * The catch-up is paged (bounded work per Redis call, resumed from its cursor
 * when a page fails), and reconnections and retries are jittered, so a fleet
 * that lost Redis together does not come back in lockstep. A PING every
 * `heartbeatMs` notices a connection that died without a word.
 *
 * @example
 * const subscriber = startRevocationSubscriber({
 *   connect: redis.subscriberConnection,
 *   channel: revocationChannel('jwtgate:'),
 *   onNotices: (list) => list.forEach((s) => sessions.revocations.add(s.id, s.revokedAt)),
 *   catchUpPage: (cursor) => readPage(cursor),
 *   heartbeatMs: 1_000,
 * });
 * await subscriber.ready(10_000);
 */
export function startRevocationSubscriber(options: RevocationSubscriberOptions): RevocationSubscriber {
  // A connection that dies at t was last answered before t; the next PING goes out by
  // t + heartbeat, and is given two heartbeats (its timeout, and as much again for a loaded
  // host) before the feed stops counting as live: by t + 3 heartbeats.
  const unansweredAfterMs = 2 * options.heartbeatMs;
  let caughtUp = false;
  /** When Redis last answered on the live connection (a PING sent then was answered). */
  let heardAt = 0;
  /** When the oldest PING still unanswered was sent. Silence only counts once asked. */
  let askedAt: number | undefined;
  /** When the feed was last known complete: start-up counts as the beginning of being behind. */
  let completeAt = Date.now();
  let ignored = 0;
  let closed = false;
  let current: Redis | undefined;
  let retryDelayMs = FIRST_RETRY_MS;
  let reconnectTimer: NodeJS.Timeout | undefined;
  const becameLive = new Set<() => void>();
  let progressAt = Date.now();

  const isLive = () => caughtUp && (askedAt === undefined || Date.now() - askedAt <= unansweredAfterMs);
  const heard = (at: number) => {
    heardAt = Math.max(heardAt, at);
    askedAt = undefined;
  };
  const backoff = () => {
    const delay = jitter(retryDelayMs);
    retryDelayMs = Math.min(retryDelayMs * 2, MAX_RETRY_MS);
    return delay;
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

  async function catchUp(connection: Redis): Promise<boolean> {
    let cursor: CatchUpCursor | null = null;
    while (!closed && current === connection) {
      try {
        cursor = await options.catchUpPage(cursor);
        progressAt = Date.now();
        retryDelayMs = FIRST_RETRY_MS;
        if (cursor === null) return true;
      } catch (error) {
        options.onError?.(error, 'catch-up');
        await sleep(backoff());
      }
    }
    return false;
  }

  function connect(): void {
    reconnectTimer = undefined;
    if (closed) return;
    const connection = options.connect();
    current = connection;
    let heartbeat: NodeJS.Timeout | undefined;
    connection.on('error', (error) => options.onError?.(error, 'connection'));
    connection.on('message', (_channel: string, message: string) => {
      if (current === connection) heard(Date.now());
      const notices = decodeRevocationNotices(message);
      if (notices === null) ignored += 1;
      else options.onNotices(notices);
    });
    connection.once('end', () => {
      clearInterval(heartbeat);
      if (current !== connection) return;
      if (caughtUp) completeAt = heardAt;
      caughtUp = false;
      askedAt = undefined;
      current = undefined;
      if (!closed) reconnectTimer = setTimeout(connect, backoff());
    });
    connection.once('ready', async () => {
      try {
        await connection.subscribe(options.channel);
      } catch (error) {
        options.onError?.(error, 'connection');
        connection.disconnect();
        return;
      }
      heard(Date.now());
      progressAt = Date.now();
      heartbeat = setInterval(() => {
        const sent = Date.now();
        // One slow answer is not a dead connection (a loaded host, a long command ahead of it):
        // only silence for as long as it takes to stop counting as live is.
        if (askedAt !== undefined && sent - askedAt > unansweredAfterMs) {
          connection.disconnect();
          return;
        }
        askedAt ??= sent;
        connection.ping().then(
          () => {
            if (current === connection) heard(sent);
          },
          () => {},
        );
      }, options.heartbeatMs);
      heartbeat.unref();
      if (!(await catchUp(connection))) return;
      caughtUp = true;
      retryDelayMs = FIRST_RETRY_MS;
      for (const resolve of becameLive) resolve();
      becameLive.clear();
    });
  }

  connect();

  return {
    get live() {
      return isLive();
    },
    get behindMs() {
      if (isLive()) return 0;
      // Caught up but silent: complete up to the last answer, as far as anyone knows.
      return Math.max(0, Date.now() - (caughtUp ? heardAt : completeAt));
    },
    get ignored() {
      return ignored;
    },
    ready(timeoutMs) {
      if (isLive()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        let timer: NodeJS.Timeout;
        const check = () => {
          const idleMs = Date.now() - progressAt;
          if (idleMs < timeoutMs) {
            timer = setTimeout(check, timeoutMs - idleMs);
            return;
          }
          becameLive.delete(done);
          reject(new Error(`the revocation feed did not become live, nor make progress, within ${timeoutMs} ms`));
        };
        timer = setTimeout(check, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        becameLive.add(done);
      });
    },
    close() {
      closed = true;
      caughtUp = false;
      clearTimeout(reconnectTimer);
      current?.disconnect();
      current = undefined;
    },
  };
}
