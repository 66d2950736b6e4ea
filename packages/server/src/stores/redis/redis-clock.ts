import type { Cluster, Redis } from 'ioredis';

/**
 * Redis's own clock, as seen from this process: the offset between
 * `Date.now()` here and `TIME` there, measured over a round trip (so off by
 * at most half of it), again after every reconnection and every
 * `resyncMs`. Fenced scripts compare their deadline with `TIME`, so the
 * deadline has to be written in Redis's time, whatever the skew between hosts.
 */
export interface RedisClock {
  /** Redis's time, in milliseconds since the epoch, `inMs` from now. */
  at(inMs: number): number;
  /** Measures the offset again now; resolves once done (or failed: the last one is kept). */
  sync(): Promise<void>;
  /** Stops measuring. */
  close(): void;
}

/**
 * @example
 * const clock = createRedisClock(client);
 * const fence = clock.at(500); // refuse the write if Redis starts it later than this
 */
export function createRedisClock(client: Redis | Cluster, options: { resyncMs?: number } = {}): RedisClock {
  let offsetMs = 0;
  let closed = false;

  async function sync(): Promise<void> {
    if (closed) return;
    try {
      const sent = Date.now();
      const [seconds, micros] = await client.time();
      const received = Date.now();
      const redisMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      offsetMs = redisMs - (sent + received) / 2;
    } catch {
      // Redis is away: the previous offset stands, clocks do not drift far in the meantime.
    }
  }

  const onReady = () => void sync();
  client.on('ready', onReady);
  const timer = setInterval(onReady, options.resyncMs ?? 60_000);
  timer.unref();
  void sync();

  return {
    at: (inMs) => Math.floor(Date.now() + offsetMs + inMs),
    sync,
    close() {
      closed = true;
      clearInterval(timer);
      client.off('ready', onReady);
    },
  };
}
