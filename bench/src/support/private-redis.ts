import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** A redis-server of the benchmark's own, on a free loopback port. */
export interface PrivateRedis {
  readonly url: string;
  readonly client: Redis;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

async function waitForPing(client: Redis, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode})`);
    try {
      await client.ping();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error('redis-server did not answer PING within 5 s');
}

/**
 * Starts `redis-server` (from PATH) on a free 127.0.0.1 port with nothing
 * persisted, so a benchmark can fill it without touching the Redis that
 * others on the machine share.
 *
 * @example
 * const redis = await startPrivateRedis();
 * await redis.client.info('memory');
 * await redis.stop();
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableAutoPipelining: true });
  // Connection errors surface as failed commands; the process must not die of the event at shutdown.
  client.on('error', () => {});
  const stop = async () => {
    client.disconnect();
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  };
  try {
    await once(child, 'spawn');
    await waitForPing(client, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, client, stop };
}
