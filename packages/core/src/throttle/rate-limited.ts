import { AuthError } from '../errors/auth-error.js';

/**
 * The refusal of a throttle: `ERR_RATE_LIMITED` with `Retry-After` in whole
 * seconds until `until` (at least 1, so a client never retries at once).
 *
 * @example
 * throw rateLimited({ until: count.resetAt, now, reason: 'login-failures' });
 */
export function rateLimited(options: {
  readonly until: number;
  readonly now: number;
  readonly reason: string;
}): AuthError {
  const seconds = Math.max(1, Math.ceil((options.until - options.now) / 1000));
  return new AuthError('ERR_RATE_LIMITED', { reason: options.reason, headers: { 'retry-after': String(seconds) } });
}
