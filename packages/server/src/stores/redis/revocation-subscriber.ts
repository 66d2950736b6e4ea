import { decodeRevocationNotices, type RevokedSession } from '@jwtgate/core';
import type { Redis } from 'ioredis';

/** Options of {@link startRevocationSubscriber}. */
export interface RevocationSubscriberOptions {
  /** A fresh connection each call, which does not reconnect by itself. */
  readonly connect: () => Redis;
  readonly channel: string;
  /** Revocations as they are announced (this instance's own included). */
  readonly onNotices: (sessions: readonly RevokedSession[]) => void;
  /**
   * Reads the revocations that may have been announced while this instance
   * was not listening; run after every (re)subscription, and retried until it works.
   */
  readonly catchUp: () => Promise<unknown>;
  /** How often an idle subscription is checked with PING, so a dead connection is noticed. */
  readonly pingIntervalMs: number;
  readonly onError?: (error: unknown, during: 'connection' | 'catch-up') => void;
}

/** A running subscription to the revocation feed. */
export interface RevocationSubscriber {
  /**
   * Whether this instance is subscribed and caught up right now. While it is
   * not, revocations made elsewhere may not have reached it yet.
   */
  readonly live: boolean;
  /** Notices ignored because they were not well-formed (noise on a shared channel). */
  readonly ignored: number;
  /** Resolves the first time it is live; rejects after `timeoutMs` without. */
  ready(timeoutMs: number): Promise<void>;
  close(): void;
}

/**
 * Subscribes to the revocation channel and, after every (re)subscription,
 * catches up from the shared log, so a notice missed during a disconnection
 * cannot leave a revoked session alive here. The order matters: subscribe
 * first, then read, so nothing falls between the two.
 *
 * @example
 * const subscriber = startRevocationSubscriber({
 *   connect: redis.subscriberConnection,
 *   channel: revocationChannel('jwtgate:'),
 *   onNotices: (list) => list.forEach((s) => sessions.revocations.add(s.id, s.revokedAt)),
 *   catchUp: () => sessions.syncRevocations(),
 *   pingIntervalMs: 5_000,
 * });
 * await subscriber.ready(10_000);
 */
export function startRevocationSubscriber(options: RevocationSubscriberOptions): RevocationSubscriber {
  let live = false;
  let ignored = 0;
  let closed = false;
  let current: Redis | undefined;
  let retryDelayMs = 100;
  let reconnectTimer: NodeJS.Timeout | undefined;
  const becameLive = new Set<() => void>();

  const backoff = () => {
    const delay = retryDelayMs;
    retryDelayMs = Math.min(retryDelayMs * 2, 2_000);
    return delay;
  };

  async function catchUp(connection: Redis): Promise<boolean> {
    while (!closed && current === connection) {
      try {
        await options.catchUp();
        return true;
      } catch (error) {
        options.onError?.(error, 'catch-up');
        await new Promise((resolve) => setTimeout(resolve, backoff()).unref());
      }
    }
    return false;
  }

  function connect(): void {
    reconnectTimer = undefined;
    if (closed) return;
    const connection = options.connect();
    current = connection;
    let ping: NodeJS.Timeout | undefined;
    connection.on('error', (error) => options.onError?.(error, 'connection'));
    connection.on('message', (_channel: string, message: string) => {
      const notices = decodeRevocationNotices(message);
      if (notices === null) ignored += 1;
      else options.onNotices(notices);
    });
    connection.once('end', () => {
      clearInterval(ping);
      if (current !== connection) return;
      live = false;
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
      if (!(await catchUp(connection))) return;
      live = true;
      retryDelayMs = 100;
      for (const resolve of becameLive) resolve();
      becameLive.clear();
      ping = setInterval(() => {
        connection.ping().catch(() => connection.disconnect());
      }, options.pingIntervalMs);
      ping.unref();
    });
  }

  connect();

  return {
    get live() {
      return live;
    },
    get ignored() {
      return ignored;
    },
    ready(timeoutMs) {
      if (live) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          becameLive.delete(done);
          reject(new Error(`the revocation feed did not become live within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        becameLive.add(done);
      });
    },
    close() {
      closed = true;
      live = false;
      clearTimeout(reconnectTimer);
      current?.disconnect();
      current = undefined;
    },
  };
}
