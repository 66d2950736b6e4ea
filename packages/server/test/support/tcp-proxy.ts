import { connect, createServer, type Socket } from 'node:net';

/** How a cut looks from the client's side. */
export type CutMode =
  /** The server is gone: every connection is reset, new ones are closed at once. */
  | 'refuse'
  /** The network drops everything: connections stay open but nothing gets through, either way. */
  | 'black-hole';

/** A TCP proxy between a client under test and a real server. */
export interface TcpProxy {
  readonly port: number;
  cut(mode: CutMode): void;
  /**
   * Black-holes the connection opened last, and it alone: it stays open but
   * nothing gets through it, either way, for good; other connections, and
   * new ones, still work. A connection that dies without a word.
   */
  freezeLatest(): void;
  /** Lets traffic through again; connections held during a black hole resume where they were. */
  restore(): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket | undefined;
  frozen?: boolean;
}

/**
 * Listens on a free loopback port and forwards every connection to
 * `127.0.0.1:targetPort`, until told to cut. A real network failure for the
 * client, without touching the shared server behind it.
 *
 * @example
 * const proxy = await startTcpProxy(5432);
 * proxy.cut('black-hole'); ... proxy.restore();
 */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let mode: CutMode | 'open' = 'open';
  const pairs = new Set<Pair>();

  const server = createServer((client) => {
    client.on('error', () => {});
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    if (mode === 'black-hole') {
      // Accepted by the "network", never answered.
      client.pause();
      const pair: Pair = { client, upstream: undefined };
      pairs.add(pair);
      client.once('close', () => pairs.delete(pair));
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.once('close', drop);
    upstream.once('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the proxy has no port');

  const freeze = (pair: Pair) => {
    if (pair.upstream === undefined) return;
    // Unpiped and paused, bytes wait in the kernel buffers, as they would in a partition.
    pair.client.unpipe(pair.upstream);
    pair.upstream.unpipe(pair.client);
    pair.client.pause();
    pair.upstream.pause();
  };

  return {
    port: address.port,
    freezeLatest() {
      const latest = [...pairs].at(-1);
      if (latest === undefined) throw new Error('no connection to freeze');
      latest.frozen = true;
      freeze(latest);
    },
    cut(next) {
      mode = next;
      for (const pair of pairs) {
        if (next === 'refuse') {
          pair.client.resetAndDestroy();
          pair.upstream?.destroy();
        } else {
          freeze(pair);
        }
      }
    },
    restore() {
      mode = 'open';
      for (const pair of pairs) {
        if (pair.frozen) continue;
        if (pair.upstream === undefined) {
          // Never connected upstream: the client has long given up on it.
          pair.client.destroy();
          continue;
        }
        pair.client.pipe(pair.upstream);
        pair.upstream.pipe(pair.client);
      }
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
