/** What `redis-memory/main.js` reports. */
export interface RedisMemoryResult {
  readonly sessions: number;
  /** Growth of Redis's `used_memory` (INFO memory) per active session. */
  readonly bytesPerSession: number;
  /** The same growth in all, in MiB. */
  readonly usedMemoryMiB: number;
  readonly redisVersion: string;
  readonly createdPerSec: number;
}
