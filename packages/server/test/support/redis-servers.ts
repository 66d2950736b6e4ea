import type { Cluster, Redis } from 'ioredis';

/**
 * Deletes every key under `prefix` on every master, so that tests sharing a
 * Redis leave nothing behind.
 *
 * @example
 * await deleteKeysWithPrefix(client, 'jwtgate_t_3f9a1c0b2d4e:');
 */
export async function deleteKeysWithPrefix(client: Redis | Cluster, prefix: string): Promise<void> {
  const nodes =
    'nodes' in client && typeof client.nodes === 'function' ? (client as Cluster).nodes('master') : [client as Redis];
  for (const node of nodes) {
    for await (const batch of node.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
      for (const key of batch) await node.del(key);
    }
    for await (const batch of node.scanStream({ match: `{${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
      for (const key of batch) await node.del(key);
    }
  }
}
