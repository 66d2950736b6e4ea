import { createHash } from 'node:crypto';
import { newSessionId, type SessionRecord } from '@jwtgate/core';
import { createRedisSessionStore } from '@jwtgate/server';
import { startPrivateRedis } from '../support/private-redis.js';
import type { BenchProfile } from '../support/profile.js';
import { runAsChild } from '../support/report-to-parent.js';
import type { RedisMemoryResult } from './redis-memory-result.js';

const DAY_MS = 86_400_000;
/** Sessions written at once: enough to keep the connection's pipeline full. */
const IN_FLIGHT = 256;

function infoField(info: string, field: string): string {
  const line = info.split('\r\n').find((l) => l.startsWith(`${field}:`));
  if (line === undefined) throw new Error(`INFO has no ${field}`);
  return line.slice(field.length + 1);
}

/** A session as a login writes it: one per user, a device label, an address and a browser's user agent. */
function sessionOf(index: number, now: number): SessionRecord {
  const userId = `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
  const hash = createHash('sha256').update(`refresh-${index}`).digest('base64url');
  return {
    id: newSessionId(userId),
    userId,
    device: 'Firefox on Linux',
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    createdAt: now,
    lastUsedAt: now,
    expiresAt: now + 30 * DAY_MS,
    refreshExpiresAt: now + 14 * DAY_MS,
    generation: 0,
    currentHash: hash,
    previousHash: null,
    rotatedAt: null,
    revokedAt: null,
    revokeReason: null,
    amr: ['pwd'],
    authTime: now,
    credentialVersion: 0,
  };
}

/**
 * Memory of active sessions in Redis: a redis-server of its own (never the
 * shared one), filled through the real store's `create` with
 * `profile.redisSessions` sessions; bytes per session from `used_memory`.
 */
async function measureRedisMemory(profile: BenchProfile): Promise<RedisMemoryResult> {
  const redis = await startPrivateRedis();
  try {
    const store = createRedisSessionStore(redis.client, { keyPrefix: 'jwtgate:', retentionMs: 905_000 });
    const before = Number(infoField(await redis.client.info('memory'), 'used_memory'));
    const total = profile.redisSessions;
    const now = Date.now();
    let next = 0;
    const start = process.hrtime.bigint();
    const worker = async () => {
      for (let index = next++; index < total; index = next++) {
        await store.create(sessionOf(index, now), { now, maxActive: 10 });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const after = Number(infoField(await redis.client.info('memory'), 'used_memory'));
    const keys = await redis.client.dbsize();
    if (keys < total) throw new Error(`Redis holds ${keys} keys for ${total} sessions`);
    await store.close();
    return {
      sessions: total,
      bytesPerSession: (after - before) / total,
      usedMemoryMiB: (after - before) / 2 ** 20,
      redisVersion: infoField(await redis.client.info('server'), 'redis_version'),
      createdPerSec: total / seconds,
    };
  } finally {
    await redis.stop();
  }
}

runAsChild(measureRedisMemory);
