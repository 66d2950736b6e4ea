import {
  AuthError,
  type Clock,
  createRevocationList,
  decodeRevocationNotices,
  loadRevocations,
  REVOCATION_PAGE,
  type RevocationLogCursor,
  readRevocationPage,
  revocationChannel,
  revokedSessionsKey,
  systemClock,
} from '@jwtgate/core';

/**
 * The subscriber side of a Redis client, as ioredis has it. A connection in
 * subscriber mode can run no other command, hence a second client below.
 */
export interface RedisSubscriberLike {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'ready' | 'close', listener: () => void): unknown;
  off(event: 'message', listener: (channel: string, message: string) => void): unknown;
  off(event: 'ready' | 'close', listener: () => void): unknown;
  /** PING on the subscriber connection (allowed in subscriber mode): the heartbeat, when present. */
  ping?(): Promise<unknown>;
  /** Drops the connection, and with `true` makes a new one: how a connection found dead is replaced. */
  disconnect?(reconnect?: boolean): void;
}

/** The one command the feed runs on a normal connection, as ioredis has it. */
export interface RedisCommandsLike {
  zrangebyscore(
    key: string,
    min: string,
    max: string,
    withScores: 'WITHSCORES',
    limit: 'LIMIT',
    offset: number,
    count: number,
  ): Promise<string[]>;
}

/** Options for {@link createRevocationFeed}. */
export interface RevocationFeedOptions {
  /** A connection for SUBSCRIBE only (`new Redis(url)`); the feed subscribes again on every reconnect. */
  readonly subscriber: RedisSubscriberLike;
  /** Another connection, for reading the recent revocations after each (re)connect. */
  readonly client: RedisCommandsLike;
  /** The jwtgate server's Redis key prefix, such as `jwtgate:`. */
  readonly prefix: string;
  /**
   * How long after a revocation a token of that session can still verify:
   * the server's `Auth.AccessExpire` plus its clock leeway, in seconds.
   */
  readonly retentionSec: number;
  readonly clock?: Clock;
  /** Told about failed resynchronisations and malformed messages; never receives a token. */
  readonly onError?: (error: Error) => void;
  /** Wait before retrying a failed resynchronisation. Default 1 s. */
  readonly retryMs?: number;
  /**
   * How long the feed may be out of touch (its subscription closed, or the
   * recent revocations not read again since it came back) before
   * `assertCurrent`, and so the verifier, refuses every token of a session:
   * the longest a revocation may take to reach this service. Default 5000;
   * `Infinity` keeps accepting tokens on a stale list. Before the first read
   * has finished, nothing is known and tokens are refused at once.
   */
  readonly maxLagMs?: number;
  /**
   * How often the subscription is checked with PING, when the subscriber
   * has `ping` (ioredis does). A connection that leaves three in a row
   * unanswered died without a word (a network that drops packets, a Redis
   * host gone): the list counts as stale from its last answer, and the
   * connection is replaced (`disconnect(true)`). Default 1000.
   */
  readonly heartbeatMs?: number;
}

/** Revoked session ids, kept current from the server's feed. */
export interface RevocationFeed {
  /** Whether the session was revoked: a map lookup, no round trip. */
  has(sessionId: string): boolean;
  /**
   * Throws `ERR_STORE_UNAVAILABLE` (503, `Retry-After: 1`) while the list
   * cannot be trusted: before the first read, or once the feed has been out
   * of touch for longer than `maxLagMs`. The verifier calls it before `has`.
   */
  assertCurrent(): void;
  /** Whether the feed is subscribed and caught up since its last (re)connect. */
  readonly live: boolean;
  /** Milliseconds since the feed was last known to be complete; 0 while live. */
  readonly behindMs: number;
  /** Settles once subscribed and the recent revocations have been read; rejects if that failed the first time. */
  readonly ready: Promise<void>;
  /** How many revoked sessions are remembered now. */
  readonly size: number;
  /** Stops listening; the Redis connections stay open (they are yours). */
  close(): Promise<void>;
}

/**
 * Follows the jwtgate server's revocation feed so that a resource service
 * refuses a revoked session's tokens at once, with no round trip per request.
 *
 * It subscribes to the revocation channel and, after every (re)connect,
 * reads the sorted set of recent revocations (`ZRANGEBYSCORE key
 * now-retention +inf`), 1,000 per call like the server's own catch-up:
 * subscribing first and reading second means a message lost while
 * disconnected cannot leave a revoked session alive.
 * Pass it as `revocations` to `createVerifier`.
 *
 * A feed that is out of touch fails closed: while its subscription is down,
 * revocations made meanwhile reach it only at the next read, so after
 * `maxLagMs` without one the verifier answers 503 for tokens of sessions
 * rather than accept ones that may have been revoked.
 *
 * @example
 * const feed = createRevocationFeed({
 *   subscriber: new Redis(url), client: new Redis(url), prefix: 'jwtgate:', retentionSec: 905,
 * });
 * await feed.ready;
 * const verifier = createVerifier({ ...options, revocations: feed });
 */
export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const { subscriber, client, prefix } = options;
  if (typeof prefix !== 'string') throw new TypeError('createRevocationFeed needs the `prefix` of the server');
  if (!Number.isFinite(options.retentionSec) || options.retentionSec <= 0) {
    throw new TypeError('retentionSec must be a number of seconds > 0 (the access lifetime plus the clock leeway)');
  }
  const clock = options.clock ?? systemClock;
  const onError = options.onError ?? (() => {});
  const retryMs = options.retryMs ?? 1000;
  const maxLagMs = options.maxLagMs ?? 5000;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  if (!Number.isFinite(heartbeatMs) || heartbeatMs <= 0) throw new TypeError('heartbeatMs must be > 0');
  if (typeof maxLagMs !== 'number' || Number.isNaN(maxLagMs) || maxLagMs < 0) {
    throw new TypeError('maxLagMs must be a number of milliseconds >= 0 (Infinity to never refuse)');
  }
  const channel = revocationChannel(prefix);
  const key = revokedSessionsKey(prefix);
  const revoked = createRevocationList({ clock, retentionMs: options.retentionSec * 1000 });
  let closed = false;
  let running: Promise<void> | null = null;
  let again = false;
  let retry: NodeJS.Timeout | undefined;
  // Whether the set is complete now, and when it last was: a message is lost while the
  // connection is down, so only a read finished after the last close makes the set whole again.
  let live = false;
  let lastLiveAt: number | null = null;
  let closes = 0;
  const behindMs = (): number => {
    if (live) return 0;
    return lastLiveAt === null ? Number.POSITIVE_INFINITY : clock.now() - lastLiveAt;
  };

  const onMessage = (from: string, message: string) => {
    if (from !== channel) return;
    const notices = decodeRevocationNotices(message);
    if (notices === null) {
      onError(new Error(`ignored a malformed message on ${channel}`));
      return;
    }
    for (const notice of notices) revoked.add(notice.id, notice.revokedAt);
  };

  async function resynchronise(): Promise<void> {
    const closesBefore = closes;
    await subscriber.subscribe(channel);
    // Paged as the server's own catch-up is: a million entries after a mass logout never make one
    // long Redis command, nor one reply held whole in memory, nor one long turn of the event loop.
    let from: RevocationLogCursor | null = { score: clock.now() - revoked.retentionMs, skip: 0 };
    while (from !== null && !closed) {
      const reply = await client.zrangebyscore(
        key,
        String(from.score),
        '+inf',
        'WITHSCORES',
        'LIMIT',
        from.skip,
        REVOCATION_PAGE,
      );
      const page = readRevocationPage(reply, from, REVOCATION_PAGE);
      await loadRevocations(revoked, page.revocations);
      from = page.next;
    }
    // A close during the read may have lost a message the read had already passed.
    if (!closed && closes === closesBefore) live = true;
  }

  /** One resynchronisation at a time; a reconnect during one asks for another after it. */
  function connect(): Promise<void> {
    if (closed) return Promise.resolve();
    if (running !== null) {
      again = true;
      return running;
    }
    running = resynchronise()
      .catch((error: unknown) => {
        onError(new Error(`resynchronising revocations from ${key} failed`, { cause: error }));
        if (!closed) {
          clearTimeout(retry);
          retry = setTimeout(() => void connect(), retryMs);
          retry.unref();
        }
        throw error;
      })
      .finally(() => {
        running = null;
        if (again && !closed) {
          again = false;
          void connect().catch(() => {});
        }
      });
    return running;
  }

  const onReady = () => {
    void connect().catch(() => {});
  };
  /** The set stops being complete: messages may be lost from `since` on, until a read after the reconnect. */
  const lost = (since: number, why: string) => {
    closes += 1;
    if (!live) return;
    live = false;
    lastLiveAt = since;
    onError(new Error(`the subscription to ${channel} ${why}; revocations wait for the next read`));
  };
  const onClose = () => lost(clock.now(), 'closed');

  // A connection can die without closing (packets dropped): only an answer on it proves it alive.
  let heardAt = clock.now();
  let askedAt: number | null = null;
  let closesWhenAsked = 0;
  const heartbeat =
    subscriber.ping === undefined
      ? undefined
      : setInterval(() => {
          const now = clock.now();
          if (askedAt !== null && now - askedAt >= 3 * heartbeatMs) {
            askedAt = null;
            // Closed meanwhile: the client is reconnecting by itself. Otherwise it still trusts a dead socket.
            const silentlyDead = closes === closesWhenAsked;
            lost(heardAt, 'stopped answering');
            if (silentlyDead) subscriber.disconnect?.(true);
            return;
          }
          if (askedAt !== null) return;
          askedAt = now;
          closesWhenAsked = closes;
          subscriber.ping?.().then(
            () => {
              heardAt = clock.now();
              askedAt = null;
            },
            // Refused at once: the client knows its connection is down (a close was reported) and reconnects.
            () => {
              askedAt = null;
            },
          );
        }, heartbeatMs);
  heartbeat?.unref();
  subscriber.on('message', onMessage);
  subscriber.on('ready', onReady);
  subscriber.on('close', onClose);
  const ready = connect();
  ready.catch(() => {});

  return {
    has: (sessionId) => revoked.has(sessionId),
    assertCurrent() {
      if (live || behindMs() <= maxLagMs) return;
      throw new AuthError('ERR_STORE_UNAVAILABLE', { reason: 'revocation-feed', headers: { 'retry-after': '1' } });
    },
    get live() {
      return live;
    },
    get behindMs() {
      return behindMs();
    },
    ready,
    get size() {
      return revoked.size;
    },
    async close() {
      closed = true;
      clearInterval(heartbeat);
      if (live) lastLiveAt = clock.now();
      live = false;
      clearTimeout(retry);
      subscriber.off('message', onMessage);
      subscriber.off('ready', onReady);
      subscriber.off('close', onClose);
      await subscriber.unsubscribe(channel).catch(() => {});
    },
  };
}
