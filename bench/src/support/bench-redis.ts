import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * The Redis the benchmarks share with everything else on the machine
 * (`JWTGATE_BENCH_REDIS_URL`, else the local one). Every benchmark writes
 * under a prefix of its own and deletes its keys afterwards; none flushes.
 */
export const benchRedisUrl = process.env.JWTGATE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A key prefix no other run or test uses, such as `jwtgate-bench-3f9a1c:`.
 *
 * @example
 * const prefix = uniqueRedisPrefix('seeds');
 */
export function uniqueRedisPrefix(label: string): string {
  return `jwtgate-bench-${label}-${randomBytes(6).toString('hex')}:`;
}

/**
 * Deletes every key under `prefix` (SCAN, never KEYS or FLUSH: the Redis is shared).
 *
 * @example
 * await deleteKeysUnder(redis, prefix);
 */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * A connection to the benchmarks' Redis that fails fast instead of retrying for ever.
 *
 * @example
 * const redis = connectBenchRedis();
 */
export function connectBenchRedis(url = benchRedisUrl): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 5_000, enableOfflineQueue: true });
}
