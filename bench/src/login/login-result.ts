/** What `login/main.js` reports. */
export interface LoginResult {
  readonly concurrency: number;
  readonly logins: number;
  /** Each login verifies one argon2id hash, so this is also argon2id verifications/s. */
  readonly loginsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** How late the event loop ran timers while logins were hashing, in milliseconds. */
  readonly loopDelayP50Ms: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}
