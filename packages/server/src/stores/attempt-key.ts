import { createHash } from 'node:crypto';

/**
 * The stored name of an attempt counter: a digest of its key (which holds a
 * username and an address), so every key has the same bounded length and
 * no username is stored in the clear.
 *
 * @example
 * attemptKeyDigest('login:ip:203.0.113.7'); // 32 base64url characters
 */
export function attemptKeyDigest(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 32);
}
