import type { LogoutTokenReplayStore } from '@jwtgate/core';
import type { Cluster, Redis } from 'ioredis';
import { withStoreErrors } from '../store-errors.js';
import { defineScript, runScript } from './redis-script.js';

/**
 * Records the key unless a record of it is still live by the caller's clock,
 * in one step: of concurrent callers, one records it. The key expires in
 * Redis with its record, so nothing needs deleting later.
 */
const claimScript = defineScript(
  'logout-token-claim',
  `
local recorded = redis.call('GET', KEYS[1])
if recorded and tonumber(recorded) > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
`,
);

/**
 * Accepted logout tokens in Redis, shared by every instance. One key per
 * token (no multi-key script), so this works on Redis Cluster.
 *
 * @example
 * const replay = createRedisLogoutTokenReplayStore(redis.client, { keyPrefix: 'jwtgate:', timeoutMs: 1000 });
 */
export function createRedisLogoutTokenReplayStore(
  client: Redis | Cluster,
  options: { readonly keyPrefix: string; readonly timeoutMs: number },
): LogoutTokenReplayStore {
  // Keys are base64url digests: no braces, so no hash tag sneaks in.
  const keyOf = (key: string) => `${options.keyPrefix}logout-token:${key}`;
  const call = <T>(operation: () => Promise<T>) =>
    withStoreErrors(operation, { backend: 'redis', deadlineMs: options.timeoutMs });
  return {
    claim: (key, expiresAt, now) =>
      call(async () => (await runScript(client, claimScript, [keyOf(key)], [expiresAt, now])) === 1),
    release: (key) =>
      call(async () => {
        await client.del(keyOf(key));
      }),
  };
}
