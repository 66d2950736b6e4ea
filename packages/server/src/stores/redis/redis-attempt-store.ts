import type { AttemptCount, AttemptStore } from '@jwtgate/core';
import type { Cluster, Redis } from 'ioredis';
import { attemptKeyDigest } from '../attempt-key.js';
import { withStoreErrors } from '../store-errors.js';
import { defineScript, runScript } from './redis-script.js';

/**
 * One failure more in the key's window, or a new window. The hash holds the
 * count `n` and the window's end `r` (ms); the key expires with the window,
 * so Redis forgets idle keys by itself.
 */
const hitScript = defineScript(
  'attempt-hit',
  `
local now = tonumber(ARGV[1])
local values = redis.call('HMGET', KEYS[1], 'n', 'r')
if values[1] and values[2] and tonumber(values[2]) > now then
  return {redis.call('HINCRBY', KEYS[1], 'n', 1), values[2]}
end
local reset = string.format('%.0f', now + tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], 'n', 1, 'r', reset)
redis.call('PEXPIREAT', KEYS[1], reset)
return {1, reset}
`,
);

/**
 * One failure fewer, only in the window the hit was counted in (`r` equal to
 * ARGV[1]); the key goes when nothing is left in it.
 */
const releaseScript = defineScript(
  'attempt-release',
  `
local values = redis.call('HMGET', KEYS[1], 'n', 'r')
if not values[1] or values[2] ~= ARGV[1] then return 0 end
if tonumber(values[1]) <= 1 then
  redis.call('DEL', KEYS[1])
  return 0
end
return redis.call('HINCRBY', KEYS[1], 'n', -1)
`,
);

const NONE: AttemptCount = { failures: 0, resetAt: 0 };

/**
 * Failed-attempt counts in Redis, shared by every instance, so the login
 * limits hold for the deployment and not per instance. Keys are hashed
 * (bounded length, no hash-tag braces from usernames) and each is handled by
 * one atomic command or script on its own slot, so this works on Redis
 * Cluster; the keys of one call are sent in parallel.
 *
 * @example
 * const attempts = createRedisAttemptStore(redis.client, { keyPrefix: 'jwtgate:', timeoutMs: 1000 });
 */
export function createRedisAttemptStore(
  client: Redis | Cluster,
  options: { readonly keyPrefix: string; readonly timeoutMs: number },
): AttemptStore {
  const keyOf = (key: string) => `${options.keyPrefix}attempts:${attemptKeyDigest(key)}`;
  const call = <T>(operation: () => Promise<T>) =>
    withStoreErrors(operation, { backend: 'redis', deadlineMs: options.timeoutMs });

  return {
    peek: (keys, now) =>
      call(() =>
        Promise.all(
          keys.map(async (key): Promise<AttemptCount> => {
            const [failures, resetAt] = await client.hmget(keyOf(key), 'n', 'r');
            if (failures === null || resetAt === null || Number(resetAt) <= now) return NONE;
            return { failures: Number(failures), resetAt: Number(resetAt) };
          }),
        ),
      ),
    hit: (keys, now, windowMs) =>
      call(() =>
        Promise.all(
          keys.map(async (key): Promise<AttemptCount> => {
            const [failures, resetAt] = (await runScript(client, hitScript, [keyOf(key)], [now, windowMs])) as [
              number,
              string,
            ];
            return { failures: Number(failures), resetAt: Number(resetAt) };
          }),
        ),
      ),
    release: (hits) =>
      call(async () => {
        await Promise.all(hits.map((hit) => runScript(client, releaseScript, [keyOf(hit.key)], [String(hit.resetAt)])));
      }),
    clear: (keys) =>
      call(async () => {
        await Promise.all(keys.map((key) => client.del(keyOf(key))));
      }),
  };
}
