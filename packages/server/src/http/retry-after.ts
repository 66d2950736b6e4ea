import { randomInt } from 'node:crypto';

/** The fewest and most seconds a 503 asks a client to wait. */
export const RETRY_AFTER_RANGE_SEC = { min: 1, max: 5 } as const;

/**
 * The `Retry-After` of a 503 (a store down, the password hashers full): a
 * whole number of seconds drawn uniformly from 1 to 5. The same value on
 * every answer would send every client that met an outage back at the same
 * second, a thundering herd on a backend that just recovered; spread over
 * five seconds, the retries arrive at a fifth of the rate.
 *
 * @example
 * headers['retry-after'] = jitteredRetryAfter(); // '1' … '5'
 */
export function jitteredRetryAfter(): string {
  return String(randomInt(RETRY_AFTER_RANGE_SEC.min, RETRY_AFTER_RANGE_SEC.max + 1));
}
