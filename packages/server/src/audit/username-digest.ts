import { createHmac } from 'node:crypto';
import { normaliseUsername } from '@jwtgate/core';

/** Turns an attempted username into its digest for the audit trail. */
export type UsernameDigest = (attempted: string) => string;

/** Long enough that unrelated names never collide in practice; short enough to read. */
const DIGEST_CHARS = 16;

/**
 * A keyed digest of attempted usernames, so that audit records can show that
 * the same name was tried again and again without storing what was typed:
 * a login for a name that is no account may be a password typed in the
 * wrong field. The key is derived one-way from `Auth.RefreshSecret`, so
 * whoever reads the trail without the secret cannot test guesses against a
 * digest; every spelling of one username (`Alice`, `ALICE`) has one digest.
 *
 * To follow an existing account, take the digest from any record naming it
 * (`login.succeeded`, or `login.failed` with `wrong-password`).
 *
 * @example
 * const digest = createUsernameDigest(config.auth.refreshSecret);
 * digest('Alice') === digest('alice'); // true
 */
export function createUsernameDigest(secret: string | Uint8Array): UsernameDigest {
  const key = createHmac('sha256', secret).update('jwtgate audit username digest v1').digest();
  return (attempted) => {
    let canonical: string;
    try {
      canonical = normaliseUsername(attempted).key;
    } catch {
      // Not a valid username at all: digest what was sent, bounded like the login throttle's keys.
      canonical = String(attempted).slice(0, 256);
    }
    return createHmac('sha256', key).update(canonical).digest('base64url').slice(0, DIGEST_CHARS);
  };
}
