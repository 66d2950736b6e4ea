import { createHash, randomBytes } from 'node:crypto';
import { encodeBase32 } from './base32.js';

/** How many recovery codes a user gets at once. */
export const RECOVERY_CODE_COUNT = 10;

/**
 * Random bytes in a recovery code: 120 bits. OWASP ASVS 5.0 6.5.2 lets a
 * lookup secret be kept under a plain (fast) hash only from 112 bits up;
 * below that it needs a salted password hash, which a login could not look
 * up by value.
 */
const RECOVERY_CODE_BYTES = 15;

/**
 * Fresh recovery codes: 24 base32 characters each (120 random bits), shown
 * as six groups (`ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2`) because people copy them by hand.
 *
 * @example
 * const codes = newRecoveryCodes(); // 10 codes
 */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const text = encodeBase32(randomBytes(RECOVERY_CODE_BYTES));
    return text.match(/.{4}/g)?.join('-') ?? text;
  });
}

/**
 * The normal form of a recovery code as typed: upper case, without spaces
 * or dashes; `null` when it cannot be one. Codes of 16 characters (80 bits)
 * were issued before 120-bit codes and stay good until the user makes new ones.
 */
export function normaliseRecoveryCode(input: string): string | null {
  const clean = input.replace(/[\s-]/g, '').toUpperCase();
  return /^(?:[A-Z2-7]{16}|[A-Z2-7]{24})$/.test(clean) ? clean : null;
}

/**
 * What the store keeps of a recovery code: a SHA-256 bound to its user. 120
 * random bits are out of reach of an offline search (ASVS 6.5.2's 112 bits
 * for a fast hash), and online guesses are throttled per user, so a slow
 * hash would only slow the login down.
 *
 * @example
 * hashRecoveryCode(user.id, normaliseRecoveryCode(typed));
 */
export function hashRecoveryCode(userId: string, normalised: string): string {
  return createHash('sha256').update(`jwtgate-recovery\0${userId}\0${normalised}`).digest('base64url');
}
