import { decodeRevocationNotices, encodeRevocationNotices, type RevokedSession, systemClock } from '@jwtgate/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { redisKeys } from '../../src/stores/redis/redis-keys.js';
import { type RedisServerProcess, startRedisServer, waitFor } from '../support/redis-servers.js';
import { killRightAfterItRan, type RevokingOperation, startRevokingInstance } from '../support/revoking-instance.js';
import { uniqueName } from '../support/services.js';
import { startTestServer } from '../support/test-server.js';
import { describeWithTool } from '../support/tools.js';

// These tests start redis-server processes of their own (they pause Redis).
const describeWithOwnRedis = describeWithTool('redis-server');

describeWithOwnRedis('an instance killed right after Redis ran its revoking call (standalone Redis)', () => {
  let redis: RedisServerProcess;
  let admin: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
    admin.on('error', () => {});
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.dispose();
  });

  const cases: { operation: RevokingOperation; name: string; revoked: (ids: readonly string[]) => string[] }[] = [
    { operation: 'revoke', name: 'a logout', revoked: (ids) => [ids[0] as string] },
    { operation: 'revoke-all', name: 'a logout of all sessions', revoked: (ids) => [...ids] },
    { operation: 'evict', name: 'a login evicting sessions beyond the limit', revoked: (ids) => [...ids] },
  ];

  for (const { operation, name, revoked } of cases) {
    it(`leaves ${name} announced to live instances and in the log for a new one`, async () => {
      const prefix = `${uniqueName('jwtgate_t')}:`;
      const keys = redisKeys(prefix);
      const messages: string[] = [];
      const listener = new Redis(redis.url);
      listener.on('message', (_channel: string, message: string) => messages.push(message));
      await listener.subscribe(keys.channel);

      const instance = await startRevokingInstance({ kind: 'standalone', url: redis.url }, prefix, operation);
      try {
        const expected = revoked(instance.sessionIds);
        await killRightAfterItRan(instance, [admin], async () => {
          const at = await Promise.all(expected.map((id) => admin.hget(keys.session(id), 'revokedAt')));
          return at.every((value) => value !== null);
        });
        expect(instance.output()).not.toMatch(/answered|failed/);

        const revokedAt = Number(await admin.hget(keys.session(expected[0] as string), 'revokedAt'));
        const sessions: RevokedSession[] = expected.map((id) => ({ id, userId: instance.userId, revokedAt }));
        // Live instances heard it, in the feed's own encoding.
        await waitFor('the notice to arrive', async () => messages.length > 0, 5_000);
        const heard = messages.flatMap((m) => decodeRevocationNotices(m) ?? []);
        const byId = (a: RevokedSession, b: RevokedSession) => a.id.localeCompare(b.id);
        expect([...heard].sort(byId)).toEqual([...sessions].sort(byId));
        expect(messages).toEqual(encodeRevocationNotices(heard));

        // An instance started afterwards finds it in the log when it catches up.
        const late = await startTestServer({
          clock: systemClock,
          env: { JWTGATE_REDIS_URL: redis.url, JWTGATE_REDIS_KEY_PREFIX: prefix, JWTGATE_REDIS_TIMEOUT: '2000' },
        });
        try {
          for (const id of expected) expect(late.server.sessions.revocations.has(id), id).toBe(true);
        } finally {
          await late.close();
        }
      } finally {
        await instance.kill();
        listener.disconnect();
      }
    });
  }
});
