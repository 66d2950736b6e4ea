// An instance that dies at the worst moment for a revocation: it sends one
// revoking call to Redis, then its event loop is held, so it never reads
// the answer nor does anything after it, until the test SIGKILLs it.
//
// Built code (as `npm start` runs it): build first (`npx tsc -b packages/server`).
// argv[2]: JSON { redis: RedisConfig, operation: 'revoke' | 'revoke-all' | 'evict' }.
// stdout: one JSON line with { userId, sessionIds } once its two sessions exist, then
// `sent` once the call has been on the wire for a while. stdin: any line starts the call.
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { buildSessionRecord } from '@jwtgate/core/testing';
import { connectRedis } from '../../dist/stores/redis/open-redis.js';
import { createRedisSessionStore } from '../../dist/stores/redis/redis-session-store.js';

const { redis: config, operation } = JSON.parse(process.argv[2]);
const redis = await connectRedis(config, { startupTimeoutMs: 15_000 });
const store = createRedisSessionStore(redis.client, {
  keyPrefix: config.keyPrefix,
  retentionMs: 905_000,
  timeoutMs: config.timeoutMs,
});
const userId = randomUUID();
const sessions = [buildSessionRecord(userId), buildSessionRecord(userId)];
for (const session of sessions) await store.create(session, { now: Date.now(), maxActive: 0 });
process.stdout.write(`${JSON.stringify({ userId, sessionIds: sessions.map((s) => s.id) })}\n`);

const lines = createInterface({ input: process.stdin });
await new Promise((resolve) => lines.once('line', resolve));
const now = Date.now();
const call =
  operation === 'revoke'
    ? store.revoke(sessions[0].id, { now, reason: 'logout', userId })
    : operation === 'revoke-all'
      ? store.revokeAll(userId, { now, reason: 'logout-all' })
      : store.create(buildSessionRecord(userId), { now, maxActive: 1 });
// Whatever it would have done with the answer (the log write in Cluster) never happens.
call.then(
  () => process.stdout.write('answered\n'),
  () => process.stdout.write('failed\n'),
);
setTimeout(() => {
  process.stdout.write('sent\n');
  for (;;) {
    // Held until killed.
  }
}, 300);
