import type { PasskeyChallenge, PasskeyChallengeStore } from '@jwtgate/core';
import type { Cluster, Redis } from 'ioredis';
import { withStoreErrors } from '../store-errors.js';
import { defineScript, runScript } from './redis-script.js';

/** Writes the challenge and its expiry together, so no challenge outlives its time in Redis. */
const createScript = defineScript(
  'passkey-challenge-create',
  `
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`,
);

/** Reads and deletes in one step: of concurrent callers, one gets the value. */
const takeScript = defineScript(
  'passkey-challenge-take',
  `
local value = redis.call('GET', KEYS[1])
if value then redis.call('DEL', KEYS[1]) end
return value
`,
);

/**
 * WebAuthn challenges in Redis, shared by every instance; each key expires
 * with its challenge, so nothing needs deleting later. One key per
 * challenge (no multi-key script), so this works on Redis Cluster.
 *
 * @example
 * const challenges = createRedisPasskeyChallengeStore(redis.client, { keyPrefix: 'jwtgate:', timeoutMs: 1000 });
 */
export function createRedisPasskeyChallengeStore(
  client: Redis | Cluster,
  options: { readonly keyPrefix: string; readonly timeoutMs: number },
): PasskeyChallengeStore {
  // Ids are base64url hashes: no braces, so no hash tag sneaks in.
  const keyOf = (id: string) => `${options.keyPrefix}passkey-challenge:${id}`;
  const call = <T>(operation: () => Promise<T>) =>
    withStoreErrors(operation, { backend: 'redis', deadlineMs: options.timeoutMs });
  return {
    create: (challenge) =>
      call(async () => {
        await runScript(client, createScript, [keyOf(challenge.id)], [JSON.stringify(challenge), challenge.expiresAt]);
      }),
    take: (id, now) =>
      call(async () => {
        const value = (await runScript(client, takeScript, [keyOf(id)], [])) as string | null;
        if (value === null) return null;
        const challenge = JSON.parse(value) as PasskeyChallenge;
        // Redis expires by its own clock; the caller's clock decides.
        return challenge.expiresAt > now ? challenge : null;
      }),
    deleteExpired: async () => 0,
  };
}
