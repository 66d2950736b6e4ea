import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { makeTempDir } from './temp-dir.js';

const run = promisify(execFile);

/**
 * A TCP port nobody listens on right now, from the kernel. Another process
 * could take it before we do; callers start their server at once.
 *
 * @example
 * const port = await freePort();
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true, or throws after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not yet.
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Whether the Redis answering on `port` is the process `pid` (and not whoever else took the port). */
async function isServing(port: number, pid: number): Promise<boolean> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    retryStrategy: () => null,
    connectTimeout: 500,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const info = await client.info('server');
    return new RegExp(`^process_id:${pid}\\s*$`, 'm').test(info);
  } finally {
    client.disconnect();
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A `redis-server` process of a test's own, which the test may stop, freeze and restart. */
export interface RedisServerProcess {
  readonly port: number;
  readonly url: string;
  /** Stops it (SIGTERM: it writes its append-only file first when persistent). */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder, with the data it had when persistent. */
  restart(): Promise<void>;
  /** SIGSTOP: it keeps its connections open but answers nothing, like a hung server. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /** Stops it if running and removes its folder. */
  dispose(): Promise<void>;
}

/**
 * Starts a private `redis-server` on a free loopback port, in a folder of its
 * own. `persistent` keeps the data across `stop()`/`restart()` (append-only
 * file, fsync on every write).
 *
 * @example
 * const redis = await startRedisServer({ persistent: true });
 * await redis.stop(); await redis.restart();
 */
export async function startRedisServer(
  options: { persistent?: boolean; extraArgs?: readonly string[] } = {},
): Promise<RedisServerProcess> {
  // A free port can be taken by someone else before redis-server binds it: then try another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRedisServerOnce(options);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function startRedisServerOnce(options: {
  persistent?: boolean;
  extraArgs?: readonly string[];
}): Promise<RedisServerProcess> {
  const dir = makeTempDir('jwtgate-redis-');
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir.path,
    '--save',
    '',
    '--appendonly',
    options.persistent ? 'yes' : 'no',
    '--appendfsync',
    'always',
    '--logfile',
    join(dir.path, 'redis.log'),
    ...(options.extraArgs ?? []),
  ];
  let child: ChildProcess | undefined;
  const launch = async () => {
    const started = spawn('redis-server', args, { stdio: 'ignore' });
    child = started;
    let gone = false;
    started.once('exit', () => {
      gone = true;
    });
    await waitFor(`redis-server on port ${port}`, async () => gone || isServing(port, started.pid as number), 10_000);
    // It could not bind the port (someone took it) or refused its arguments.
    if (gone) throw new Error(`redis-server on port ${port} exited at start-up`);
  };
  const stop = async () => {
    if (child === undefined) return;
    const running = child;
    child = undefined;
    running.kill('SIGCONT');
    running.kill('SIGTERM');
    await exited(running);
  };
  try {
    await launch();
  } catch (error) {
    await stop();
    dir.remove();
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    restart: launch,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    async dispose() {
      await stop();
      dir.remove();
    },
  };
}

/** A Redis Cluster of a test's own. */
export interface RedisClusterProcesses {
  readonly nodes: readonly { host: string; port: number }[];
  dispose(): Promise<void>;
}

/**
 * Three `redis-server --cluster-enabled yes` on free loopback ports, joined
 * with `redis-cli --cluster create` (three masters, no replicas); resolves
 * once every node reports `cluster_state:ok`.
 *
 * @example
 * const cluster = await startRedisCluster();
 * const client = new Cluster(cluster.nodes);
 */
export async function startRedisCluster(): Promise<RedisClusterProcesses> {
  const servers: RedisServerProcess[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const busPort = await freePort();
      servers.push(
        await startRedisServer({
          extraArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${i}.conf`,
            '--cluster-port',
            String(busPort),
            '--cluster-node-timeout',
            '2000',
          ],
        }),
      );
    }
    await run(
      'redis-cli',
      ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 30_000 },
    );
    for (const server of servers) {
      await waitFor(`cluster node ${server.port}`, async () => {
        const { stdout } = await run('redis-cli', ['-p', String(server.port), 'cluster', 'info']);
        return stdout.includes('cluster_state:ok');
      });
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.dispose()));
    throw error;
  }
  return {
    nodes: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    dispose: async () => {
      await Promise.all(servers.map((s) => s.dispose()));
    },
  };
}

/** A master, a replica and a Sentinel watching them, all of a test's own. */
export interface RedisSentinelProcesses {
  readonly name: string;
  readonly sentinel: { host: string; port: number };
  readonly master: RedisServerProcess;
  readonly replica: RedisServerProcess;
  dispose(): Promise<void>;
}

/**
 * A replicated Redis under one Sentinel (quorum 1, failover after 1 s of
 * silence), on free loopback ports.
 *
 * @example
 * const sentinel = await startRedisSentinel();
 * new Redis({ sentinels: [sentinel.sentinel], name: sentinel.name });
 */
export async function startRedisSentinel(): Promise<RedisSentinelProcesses> {
  const name = 'jwtgatetest';
  const master = await startRedisServer();
  const replica = await startRedisServer({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] });
  const dir = makeTempDir('jwtgate-sentinel-');
  const port = await freePort();
  const conf = join(dir.path, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir.path}`,
      `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  const dispose = async () => {
    child.kill('SIGTERM');
    await exited(child);
    dir.remove();
    await Promise.all([master.dispose(), replica.dispose()]);
  };
  try {
    await waitFor('the Sentinel to know its replica', async () => {
      const { stdout } = await run('redis-cli', ['-p', String(port), 'sentinel', 'replicas', name]);
      return stdout.includes(String(replica.port)) && !stdout.includes('s_down');
    });
  } catch (error) {
    await dispose();
    throw error;
  }
  return { name, sentinel: { host: '127.0.0.1', port }, master, replica, dispose };
}

/**
 * Deletes every key under `prefix` (and the `{prefix…}` keys that share a
 * slot with it) on every master, so tests sharing a Redis leave nothing behind.
 *
 * @example
 * await deleteKeysWithPrefix(client, 'jwtgate_t_3f9a1c0b2d4e:');
 */
export async function deleteKeysWithPrefix(client: Redis | Cluster, prefix: string): Promise<void> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  for (const node of nodes) {
    for (const match of [`${prefix}*`, `{${prefix}*`]) {
      for await (const batch of node.scanStream({ match, count: 500 }) as AsyncIterable<string[]>) {
        for (const key of batch) await node.del(key);
      }
    }
  }
}
