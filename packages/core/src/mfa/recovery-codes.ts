import { createHash, randomBytes } from 'node:crypto';
import { encodeBase32 } from './base32.js';

/** How many recovery codes a user gets at once. */
export const RECOVERY_CODE_COUNT = 10;

/**
 * Fresh recovery codes: 16 base32 characters each (80 random bits), shown
 * as four groups (`ABCD-EFGH-JKMN-PQRS`) because people copy them by hand.
 *
 * @example
 * const codes = newRecoveryCodes(); // 10 codes
 */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const text = encodeBase32(randomBytes(10));
    return text.match(/.{4}/g)?.join('-') ?? text;
  });
}

/**
 * The normal form of a recovery code as typed: upper case, without spaces
 * or dashes; `null` when it cannot be one.
 */
export function normaliseRecoveryCode(input: string): string | null {
  const clean = input.replace(/[\s-]/g, '').toUpperCase();
  return /^[A-Z2-7]{16}$/.test(clean) ? clean : null;
}

/**
 * What the store keeps of a recovery code: a SHA-256 bound to its user. 80
 * random bits are far out of reach of an offline search, and online guesses
 * are throttled per user, so a slow hash would only slow the login down.
 *
 * @example
 * hashRecoveryCode(user.id, normaliseRecoveryCode(typed));
 */
export function hashRecoveryCode(userId: string, normalised: string): string {
  return createHash('sha256').update(`jwtgate-recovery\0${userId}\0${normalised}`).digest('base64url');
}
