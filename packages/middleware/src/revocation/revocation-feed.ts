import {
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
  on(event: 'ready', listener: () => void): unknown;
  off(event: 'message', listener: (channel: string, message: string) => void): unknown;
  off(event: 'ready', listener: () => void): unknown;
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
}

/** Revoked session ids, kept current from the server's feed. */
export interface RevocationFeed {
  /** Whether the session was revoked: a map lookup, no round trip. */
  has(sessionId: string): boolean;
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
  const channel = revocationChannel(prefix);
  const key = revokedSessionsKey(prefix);
  const revoked = createRevocationList({ clock, retentionMs: options.retentionSec * 1000 });
  let closed = false;
  let running: Promise<void> | null = null;
  let again = false;
  let retry: NodeJS.Timeout | undefined;

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
  subscriber.on('message', onMessage);
  subscriber.on('ready', onReady);
  const ready = connect();
  ready.catch(() => {});

  return {
    has: (sessionId) => revoked.has(sessionId),
    ready,
    get size() {
      return revoked.size;
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      subscriber.off('message', onMessage);
      subscriber.off('ready', onReady);
      await subscriber.unsubscribe(channel).catch(() => {});
    },
  };
}
