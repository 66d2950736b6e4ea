/** Lifetimes and limits of sessions and tokens. Durations are in seconds. */
export interface SessionPolicy {
  /** `iss` of access tokens. */
  readonly issuer: string;
  /** `aud` of access tokens. */
  readonly audience: string | readonly string[];
  /** Access token lifetime (go-zero's `AccessExpire`). */
  readonly accessTtlSec: number;
  /** How long after issuance a client should refresh (go-zero's `RefreshAfter`). */
  readonly refreshAfterSec: number;
  /** How long an unused refresh token stays valid (go-zero's `RefreshExpire`). */
  readonly refreshTtlSec: number;
  /** Absolute session lifetime from login; rotation never extends it. */
  readonly sessionMaxAgeSec: number;
  /** How long a just-rotated refresh token may be replayed for the same successor; 0 disables. */
  readonly refreshGraceSec: number;
  /** Active sessions per user; 0 is unlimited, 1 is single-device login. */
  readonly maxSessionsPerUser: number;
  /** Clock skew tolerated when verifying access tokens. */
  readonly clockToleranceSec: number;
}

/**
 * Throws a `TypeError` naming the first inconsistent setting.
 *
 * @example
 * assertSessionPolicy({ ...policy, refreshTtlSec: 60 }); // throws: shorter than the access lifetime
 */
export function assertSessionPolicy(policy: SessionPolicy): void {
  const positive: (keyof SessionPolicy)[] = ['accessTtlSec', 'refreshTtlSec', 'sessionMaxAgeSec'];
  for (const name of positive) {
    const value = policy[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new TypeError(`${name} must be a positive integer`);
    }
  }
  if (policy.refreshTtlSec < policy.accessTtlSec) {
    throw new TypeError('refreshTtlSec must be at least accessTtlSec');
  }
  if (policy.sessionMaxAgeSec < policy.refreshTtlSec) {
    throw new TypeError('sessionMaxAgeSec must be at least refreshTtlSec');
  }
  // Comparisons alone let NaN through (every comparison with it is false), hence the explicit type checks.
  const { refreshAfterSec } = policy;
  if (!Number.isInteger(refreshAfterSec) || refreshAfterSec <= 0 || refreshAfterSec > policy.accessTtlSec) {
    throw new TypeError('refreshAfterSec must be an integer between 1 and accessTtlSec');
  }
  if (!Number.isInteger(policy.maxSessionsPerUser) || policy.maxSessionsPerUser < 0) {
    throw new TypeError('maxSessionsPerUser must be an integer >= 0');
  }
  for (const name of ['refreshGraceSec', 'clockToleranceSec'] as const) {
    const value = policy[name];
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a finite number >= 0`);
  }
}
