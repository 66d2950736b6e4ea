import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { decodeRevocationNotices, isAuthError } from '@jwtgate/core';
import { buildSessionRecord, runSessionStoreSuite } from '@jwtgate/core/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type RedisConnection } from '../../src/stores/redis/open-redis.js';
import { redisKeys } from '../../src/stores/redis/redis-keys.js';
import { createRedisSessionStore } from '../../src/stores/redis/redis-session-store.js';
import { createRevocationLog } from '../../src/stores/redis/revocation-log.js';
import { type RedisSentinelProcesses, startRedisSentinel, waitFor } from '../support/redis-servers.js';
import { killRightAfterItRan, startRevokingInstance } from '../support/revoking-instance.js';
import { uniqueName } from '../support/services.js';
import { describeWithTool } from '../support/tools.js';

// These tests start redis-server processes of their own.
const describeWithOwnRedis = describeWithTool('redis-server');

const RETENTION = 15 * 60_000 + 5_000;

/** Listens on `port` and hangs up on every connection: nothing answers there, and nothing else can listen. */
function holdPort(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describeWithOwnRedis('the Redis session store through Redis Sentinel (a master, a replica, one Sentinel)', () => {
  let sentinel: RedisSentinelProcesses;
  let redis: RedisConnection;

  beforeAll(async () => {
    sentinel = await startRedisSentinel();
    redis = await connectRedis(
      {
        topology: { kind: 'sentinel', sentinels: [sentinel.sentinel], name: sentinel.name },
        password: undefined,
        tls: false,
        keyPrefix: 'jwtgate:',
        timeoutMs: 1_000,
      },
      { startupTimeoutMs: 15_000 },
    );
  });

  afterAll(async () => {
    await redis?.close();
    await sentinel?.dispose();
  });

  runSessionStoreSuite('redis sentinel', async () => {
    const store = createRedisSessionStore(redis.client, {
      keyPrefix: `${uniqueName('jwtgate_t')}:`,
      retentionMs: RETENTION,
      timeoutMs: 5_000,
    });
    return { store, close: async () => store.close() };
  });

  // Before the failover below, while the first master still is one.
  describe('an instance killed right after Redis ran its logout', () => {
    it('leaves the revocation announced and in the log, as on a standalone Redis', async () => {
      const prefix = `${uniqueName('jwtgate_t')}:`;
      const keys = redisKeys(prefix);
      const master = new Redis(sentinel.master.url);
      const listener = new Redis(sentinel.master.url);
      const heard: string[] = [];
      listener.on('message', (_channel: string, message: string) =>
        heard.push(...(decodeRevocationNotices(message) ?? []).map((s) => s.id)),
      );
      await listener.subscribe(keys.channel);
      const instance = await startRevokingInstance(
        { kind: 'sentinel', sentinels: [sentinel.sentinel], name: sentinel.name },
        prefix,
        'revoke',
      );
      const log = createRevocationLog(redis.client, { keys, retentionMs: RETENTION });
      try {
        const sid = instance.sessionIds[0] as string;
        await killRightAfterItRan(
          instance,
          [master],
          async () => (await master.hget(keys.session(sid), 'revokedAt')) !== null,
        );
        await waitFor('the notice to arrive', async () => heard.includes(sid), 5_000);
        expect((await log.since(0)).map((s) => s.id)).toEqual([sid]);
      } finally {
        log.close();
        await instance.kill();
        listener.disconnect();
        master.disconnect();
      }
    });
  });

  describe('failover', () => {
    it('answers 503 while the master is gone, then follows the promoted replica without a restart', async () => {
      const store = createRedisSessionStore(redis.client, {
        keyPrefix: `${uniqueName('jwtgate_t')}:`,
        retentionMs: RETENTION,
        timeoutMs: 1_000,
      });
      let portHolder: Server | undefined;
      try {
        const session = buildSessionRecord(randomUUID());
        await store.create(session, { now: Date.now(), maxActive: 0 });
        // Replication is asynchronous: make sure the replica has the session before the master dies.
        await waitFor(
          'the replica to have the session',
          async () => (await (redis.client as Redis).wait(1, 500)) === 1,
        );

        await sentinel.master.stop();
        // Hold the dead master's port: a Redis another test starts on it meanwhile would look
        // to Sentinel like the master coming back, and no failover would ever happen.
        portHolder = await holdPort(sentinel.master.port);
        const started = Date.now();
        await expect(store.get(session.id)).rejects.toSatisfy((e) => isAuthError(e, 'ERR_STORE_UNAVAILABLE'));
        expect(Date.now() - started).toBeLessThan(3_000);

        await waitFor(
          'the store to answer again from the promoted replica',
          async () => (await store.get(session.id)) !== null,
          30_000,
        );
        expect(await store.get(session.id)).toEqual(session);
        // Reads may come back a moment before the client has settled on the promoted master
        // (Sentinel's switch-master makes it reconnect once more), so writes get their own wait.
        let after: ReturnType<typeof buildSessionRecord> | undefined;
        await waitFor(
          'a write to succeed on the promoted replica',
          async () => {
            const attempt = buildSessionRecord(session.userId);
            await store.create(attempt, { now: Date.now(), maxActive: 0 });
            after = attempt;
            return true;
          },
          30_000,
        );
        const ids = (await store.listActive(session.userId, Date.now())).map((s) => s.id);
        expect(ids).toEqual(expect.arrayContaining([session.id, after?.id]));
      } finally {
        store.close();
        portHolder?.close();
      }
    }, 60_000);
  });
});
