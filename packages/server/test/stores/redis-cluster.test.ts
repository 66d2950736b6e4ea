import { randomUUID } from 'node:crypto';
import { decodeRevocationNotices } from '@jwtgate/core';
import { buildSessionRecord, runAttemptStoreSuite, runSessionStoreSuite } from '@jwtgate/core/testing';
import { type Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type RedisConnection } from '../../src/stores/redis/open-redis.js';
import { createRedisAttemptStore } from '../../src/stores/redis/redis-attempt-store.js';
import { redisKeys } from '../../src/stores/redis/redis-keys.js';
import { createRedisSessionStore } from '../../src/stores/redis/redis-session-store.js';
import { createRevocationLog } from '../../src/stores/redis/revocation-log.js';
import { startRevocationSubscriber } from '../../src/stores/redis/revocation-subscriber.js';
import { type RedisClusterProcesses, startRedisCluster, waitFor } from '../support/redis-servers.js';
import { killRightAfterItRan, startRevokingInstance } from '../support/revoking-instance.js';
import { uniqueName } from '../support/services.js';
import { describeWithTool } from '../support/tools.js';

// These tests start redis-server processes of their own.
const describeWithOwnRedis = describeWithTool('redis-server');

const RETENTION = 15 * 60_000 + 5_000;

/** Commands whose first argument is a key, as scripts use them; PUBLISH names a channel. */
const KEY_COMMANDS = new Set([
  'exists',
  'del',
  'hset',
  'hget',
  'hmget',
  'hgetall',
  'hdel',
  'pexpireat',
  'zadd',
  'zrem',
  'zrange',
  'zrevrange',
  'zrangebyscore',
  'zremrangebyscore',
  'zcard',
]);

/** One script run as MONITOR saw it on one node: the script's name (sha) and the key of every command it ran. */
interface ScriptRun {
  readonly node: number;
  readonly script: string;
  readonly keys: string[];
  readonly commands: string[];
}

describeWithOwnRedis('the Redis session store on a real Redis Cluster (three masters on loopback ports)', () => {
  let cluster: RedisClusterProcesses;
  let redis: RedisConnection;
  const monitors: Redis[] = [];
  const runs: ScriptRun[] = [];

  beforeAll(async () => {
    cluster = await startRedisCluster();
    // MONITOR on every node: each EVAL/EVALSHA line is followed by the lines of the
    // commands its script ran (source "lua"), uninterrupted because scripts are atomic.
    for (const [index, node] of cluster.nodes.entries()) {
      const monitor = await new Redis(node).monitor();
      monitors.push(monitor);
      let open: ScriptRun | undefined;
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        const command = (args[0] ?? '').toLowerCase();
        if (source === 'lua') {
          if (open === undefined) return;
          open.commands.push(command);
          if (KEY_COMMANDS.has(command) && args[1] !== undefined) open.keys.push(args[1]);
          return;
        }
        open = undefined;
        if (command === 'evalsha' || command === 'eval') {
          open = { node: index, script: (args[1] ?? '').slice(0, 12), keys: [], commands: [] };
          runs.push(open);
        }
      });
    }
    redis = await connectRedis(
      {
        topology: { kind: 'cluster', nodes: cluster.nodes },
        password: undefined,
        tls: false,
        keyPrefix: 'jwtgate:',
        timeoutMs: 5_000,
      },
      { startupTimeoutMs: 15_000 },
    );
  });

  afterAll(async () => {
    for (const monitor of monitors) monitor.disconnect();
    await redis?.close();
    await cluster?.dispose();
  });

  runSessionStoreSuite('redis cluster', async () => {
    const store = createRedisSessionStore(redis.client, {
      keyPrefix: `${uniqueName('jwtgate_t')}:`,
      retentionMs: RETENTION,
      timeoutMs: 5_000,
    });
    return { store, close: async () => store.close() };
  });

  runAttemptStoreSuite('redis cluster', async () => ({
    store: createRedisAttemptStore(redis.client, { keyPrefix: `${uniqueName('jwtgate_t')}:`, timeoutMs: 5_000 }),
  }));

  describe('hash slots', () => {
    it('keeps every command of every script run in a single hash slot', async () => {
      // The suite above ran every script many times; wait until MONITOR has reported them.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const withKeys = runs.filter((run) => run.keys.length > 0);
      expect(withKeys.length).toBeGreaterThan(100);
      const client = redis.client as Cluster;
      const slotOf = async (key: string) => Number(await client.cluster('KEYSLOT', key));
      const multiKey = withKeys.filter((run) => new Set(run.keys).size > 1);
      // Creates with evictions, revoke-alls and the revocation log touch several keys per run.
      expect(multiKey.length).toBeGreaterThan(20);
      for (const run of withKeys) {
        const slots = new Set(await Promise.all(run.keys.map(slotOf)));
        expect(slots.size, `${run.script} on node ${run.node} touched ${run.keys.join(', ')}`).toBe(1);
      }
    });

    it("puts a user's sessions and index in the slot of the user's tag, and the revocation log's two keys together", async () => {
      const store = createRedisSessionStore(redis.client, {
        keyPrefix: 'jwtgate:',
        retentionMs: RETENTION,
        timeoutMs: 5_000,
      });
      const client = redis.client as Cluster;
      const userId = randomUUID();
      const sessions = Array.from({ length: 5 }, () => buildSessionRecord(userId));
      for (const session of sessions) await store.create(session, { now: Date.now(), maxActive: 0 });
      const keys = [...sessions.map((s) => store.keys.session(s.id)), store.keys.userIndex(userId)];
      const slots = await Promise.all(keys.map((key) => client.cluster('KEYSLOT', key)));
      expect(new Set(slots).size).toBe(1);
      expect(await client.cluster('KEYSLOT', store.keys.revoked)).toBe(
        await client.cluster('KEYSLOT', store.keys.revokedUsers),
      );
      await store.revokeAll(userId, { now: Date.now(), reason: 'logout-all' });
      store.close();
    });

    it('is a cluster that refuses a script reaching into another node (so the suite passing there means something)', async () => {
      const client = redis.client as Cluster;
      const slots = await client.cluster('SLOTS');
      const ownerOf = (slot: number) => slots.find(([from, to]) => slot >= from && slot <= to)?.[2]?.[1];
      const home = Number(await client.cluster('KEYSLOT', '{home}k'));
      let away = 'x0';
      for (let i = 0; ownerOf(Number(await client.cluster('KEYSLOT', `{${away}}k`))) === ownerOf(home); i++) {
        away = `x${i}`;
      }
      await expect(client.eval(`return redis.call('GET', '{${away}}k')`, 1, '{home}k')).rejects.toThrow(
        /non local key/,
      );
    });
  });

  describe('revocation notices', () => {
    it('reach a subscriber on whichever node it listens', async () => {
      const prefix = `${uniqueName('jwtgate_t')}:`;
      const store = createRedisSessionStore(redis.client, {
        keyPrefix: prefix,
        retentionMs: RETENTION,
        timeoutMs: 5_000,
      });
      const received: string[][] = cluster.nodes.map(() => []);
      const subscribers = cluster.nodes.map((_, i) =>
        startRevocationSubscriber({
          connect: redis.subscriberConnection,
          channel: store.keys.channel,
          onNotices: (list) => received[i]?.push(...list.map((s) => s.id)),
          catchUpPage: async () => null,
          heartbeatMs: 5_000,
        }),
      );
      try {
        await Promise.all(subscribers.map((s) => s.ready(10_000)));
        const session = buildSessionRecord(randomUUID());
        await store.create(session, { now: Date.now(), maxActive: 0 });
        await store.revoke(session.id, { now: Date.now(), reason: 'logout' });
        await waitFor('every subscriber to hear the revocation', async () =>
          received.every((ids) => ids.includes(session.id)),
        );
        expect((await store.listRevokedSince(Date.now() - 60_000)).map((r) => r.id)).toContain(session.id);
      } finally {
        for (const subscriber of subscribers) subscriber.close();
        store.close();
      }
    });

    it('go out from the revoking script itself; only the log write is left to an instance killed right after it', async () => {
      const prefix = `${uniqueName('jwtgate_t')}:`;
      const keys = redisKeys(prefix);
      const nodes = cluster.nodes.map((node) => new Redis(node));
      // Any node delivers every PUBLISH of the cluster.
      const listener = new Redis(cluster.nodes[2] as { host: string; port: number });
      const heard: string[] = [];
      listener.on('message', (_channel: string, message: string) =>
        heard.push(...(decodeRevocationNotices(message) ?? []).map((s) => s.id)),
      );
      await listener.subscribe(keys.channel);
      const instance = await startRevokingInstance({ kind: 'cluster', nodes: cluster.nodes }, prefix, 'revoke');
      const log = createRevocationLog(redis.client, { keys, retentionMs: RETENTION });
      try {
        const sid = instance.sessionIds[0] as string;
        await killRightAfterItRan(
          instance,
          nodes,
          async () => (await redis.client.hget(keys.session(sid), 'revokedAt')) !== null,
        );
        // Every instance listening then hears of it, whatever became of the revoking one.
        await waitFor('the notice to arrive', async () => heard.includes(sid), 5_000);
        // What remains (docs/deployment.md): the log, in another hash slot, was to be written by
        // the instance next; one that was not listening at that moment and catches up misses it.
        expect((await log.since(0)).map((s) => s.id)).not.toContain(sid);
      } finally {
        log.close();
        await instance.kill();
        listener.disconnect();
        for (const node of nodes) node.disconnect();
      }
    });
  });
});
