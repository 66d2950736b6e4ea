import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { HostPort, RedisConfig } from '../../config/config.js';

/** A connected Redis deployment. */
export interface RedisConnection {
  readonly client: Redis | Cluster;
  /** Where it is, for logs: the topology and addresses, never a password. */
  readonly description: string;
  /**
   * A new connection to the same deployment for SUBSCRIBE. It does not
   * reconnect by itself: the subscriber makes a new one (for a cluster, to
   * the next known node) and catches up after each loss.
   */
  subscriberConnection(): Redis;
  /** Throws unless Redis answers within the timeout. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Options that keep every wait bounded: a command fails after `timeoutMs`
 * (`commandTimeout`), and at once while disconnected (no offline queue, no
 * retry of commands in flight when a connection drops, no replay of them on
 * reconnection: a request that was answered 503 must not take effect later).
 * The connection itself is re-established in the background, forever.
 */
function boundedOptions(config: RedisConfig): RedisOptions {
  const { timeoutMs } = config;
  return {
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    // A connection that stops answering (a dead host, a failover) is dropped and made again.
    socketTimeout: Math.max(2 * timeoutMs, 1_000),
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt: number) => Math.min(100 * attempt, 1_000),
    keepAlive: 10_000,
    connectionName: 'jwtgate',
    lazyConnect: true,
    // RESP2: replies keep the shapes the scripts are written for (a Lua `false` is a null, not a
    // RESP3 boolean), and no maintenance notice can stretch a command's timeout past Redis.Timeout.
    protocol: 2,
    maintNotifications: 'disabled',
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(config.tls ? { tls: {} } : {}),
  };
}

/** What a cluster passes on to each of its node connections. */
function nodeOptions(bounded: RedisOptions): ClusterOptions['redisOptions'] {
  const { retryStrategy: _retry, enableOfflineQueue: _queue, lazyConnect: _lazy, ...rest } = bounded;
  return rest;
}

function describe(config: RedisConfig): string {
  const list = (nodes: readonly HostPort[]) => nodes.map((n) => `${n.host}:${n.port}`).join(',');
  switch (config.topology.kind) {
    case 'standalone': {
      const url = new URL(config.topology.url);
      return `standalone ${url.protocol}//${url.host}${url.pathname}`;
    }
    case 'sentinel':
      return `sentinel ${config.topology.name}@${list(config.topology.sentinels)}`;
    case 'cluster':
      return `cluster ${list(config.topology.nodes)}`;
  }
}

/** Resolves once `client` is ready, or throws after `ms` (and stops it trying). */
async function waitUntilReady(client: Redis | Cluster, ms: number, description: string): Promise<void> {
  if (client.status === 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  let onReady: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onReady = resolve;
      client.once('ready', onReady);
      timer = setTimeout(() => reject(new Error(`Redis (${description}) is not reachable within ${ms} ms`)), ms);
      // Failed attempts are retried in the background; only the deadline decides.
      client.connect().catch(() => {});
    });
  } catch (error) {
    client.disconnect();
    throw error;
  } finally {
    clearTimeout(timer);
    if (onReady !== undefined) client.off('ready', onReady);
  }
}

/**
 * Connects to Redis as configured (`Redis.Url`, `Redis.Sentinels` or
 * `Redis.Cluster`) and waits until it is ready, at most `startupTimeoutMs`.
 *
 * @example
 * const redis = await connectRedis(config.redis, { startupTimeoutMs: 10_000 });
 * await redis.client.ping();
 */
export async function connectRedis(
  config: RedisConfig,
  options: { readonly startupTimeoutMs: number },
): Promise<RedisConnection> {
  const bounded = boundedOptions(config);
  const { topology } = config;
  let client: Redis | Cluster;
  let subscriberConnection: () => Redis;
  const once: RedisOptions = { ...bounded, retryStrategy: () => null, lazyConnect: false };

  switch (topology.kind) {
    case 'standalone':
      client = new Redis(topology.url, bounded);
      subscriberConnection = () => new Redis(topology.url, once);
      break;
    case 'sentinel': {
      const sentinel = {
        sentinels: topology.sentinels.map((s) => ({ host: s.host, port: s.port })),
        name: topology.name,
        sentinelRetryStrategy: (attempt: number) => Math.min(100 * attempt, 1_000),
        enableTLSForSentinelMode: config.tls,
        // Reconnect to the new master as soon as the Sentinels announce a failover.
        failoverDetector: true,
      };
      client = new Redis({ ...bounded, ...sentinel });
      subscriberConnection = () => new Redis({ ...once, ...sentinel, failoverDetector: false });
      break;
    }
    case 'cluster': {
      const cluster = new Cluster(
        topology.nodes.map((n) => ({ host: n.host, port: n.port })),
        {
          lazyConnect: true,
          enableOfflineQueue: false,
          enableReadyCheck: true,
          clusterRetryStrategy: (attempt: number) => Math.min(100 * attempt, 1_000),
          slotsRefreshTimeout: config.timeoutMs,
          retryDelayOnFailover: 100,
          retryDelayOnClusterDown: 100,
          retryDelayOnTryAgain: 100,
          // The cluster reconnects its nodes itself and keeps no offline queue (above).
          redisOptions: nodeOptions(bounded),
        },
      );
      client = cluster;
      // Any node delivers every PUBLISH of the cluster; take the next one each time.
      let turn = 0;
      subscriberConnection = () => {
        const known = cluster.nodes('all').map((node) => ({ host: node.options.host, port: node.options.port }));
        const candidates = known.length > 0 ? known : topology.nodes;
        const node = candidates[turn++ % candidates.length] as HostPort;
        return new Redis({ ...once, host: node.host, port: node.port });
      };
      break;
    }
  }
  // Errors surface through commands (as 503) and reconnection; an unheard 'error' event would end the process.
  client.on('error', () => {});
  const description = describe(config);
  await waitUntilReady(client, options.startupTimeoutMs, description);

  return {
    client,
    description,
    subscriberConnection,
    async ping() {
      await client.ping();
    },
    async close() {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
