import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** A Lua script, sent once per server and then run by its SHA-1. */
export interface RedisScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

/**
 * Names a Lua script and computes the SHA-1 that EVALSHA runs it by.
 *
 * @example
 * const pingScript = defineScript('ping', "return redis.call('PING')");
 */
export function defineScript(name: string, lua: string): RedisScript {
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
}
/**
 * Runs a script with EVALSHA, loading it with EVAL the first time a server
 * has not seen it (after a restart, a failover, on a new cluster node).
 * ioredis routes the call by its first key.
 *
 * @example
 * const evicted = await runScript(client, createSessionScript, [sessionKey, indexKey], args);
 */
export async function runScript(
  client: Redis | Cluster,
  redisScript: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(redisScript.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.eval(redisScript.lua, keys.length, ...keys, ...args);
  }
}
