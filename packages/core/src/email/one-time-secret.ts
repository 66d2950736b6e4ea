import { createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { UserRecord } from '../user/user-record.js';
import type { EmailTokenPurpose, SecretPurpose } from './email-store.js';

/** The prefix of emailed link secrets, so that a leaked one is recognisable. */
export const LINK_TOKEN_PREFIX = 'jge1_';
const LINK_TOKEN = /^jge1_[A-Za-z0-9_-]{43}$/;
const CODE = /^[0-9]{6}$/;

/** Makes and hashes emailed secrets; see {@link createEmailSecrets}. */
export interface EmailSecrets {
  /** A link secret: 256 random bits. */
  newLinkToken(): string;
  /** A 6-digit code, uniformly drawn. */
  newCode(): string;
  /** The keyed hash stored for a link secret; `null` for text that is no link secret. */
  hashLink(purpose: SecretPurpose, token: string): string | null;
  /** The keyed hash stored for a code; `null` for text that is no code. */
  hashCode(purpose: EmailTokenPurpose, userId: string, code: string): string | null;
  /**
   * The user id the decoy secrets of an address no account has are kept
   * under: the same for the address each time, so that a code presented for
   * it meets its decoy as an account's code meets the account's, and keyed,
   * so that it names no user and nobody can tell it from one.
   */
  decoyUserId(emailKey: string): string;
  /** The user's credential stamp: changes with the password hash and with the address. */
  stamp(user: UserRecord): string;
  /** Whether two stamps are the same, in constant time. */
  sameStamp(a: string, b: string): boolean;
}

/**
 * Emailed secrets bound to their purpose (and, for codes, their user) and
 * hashed with a key derived from `secret`, so that the store alone says
 * nothing: a 6-digit code's plain SHA-256 would fall to a million guesses,
 * its HMAC does not without the key. The stamp binds a secret to the
 * password and address it was issued under: a later change of either voids
 * it, without the store having to find and delete it.
 *
 * @example
 * const secrets = createEmailSecrets(config.auth.refreshSecret);
 * const token = secrets.newLinkToken();
 * const stored = secrets.hashLink('reset-password', token);
 */
export function createEmailSecrets(secret: string | Uint8Array): EmailSecrets {
  const key = Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), 'jwtgate emailed secrets v1', 32));
  const mac = (...parts: string[]) => createHmac('sha256', key).update(parts.join('\u0000')).digest('base64url');
  return {
    newLinkToken: () => `${LINK_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`,
    newCode: () => String(randomInt(0, 1_000_000)).padStart(6, '0'),
    hashLink: (purpose, token) =>
      typeof token === 'string' && LINK_TOKEN.test(token) ? mac('link', purpose, token) : null,
    hashCode: (purpose, userId, code) =>
      typeof code === 'string' && CODE.test(code) ? mac('code', purpose, userId, code) : null,
    decoyUserId: (emailKey) => {
      const hex = Buffer.from(mac('decoy-user', emailKey), 'base64url').toString('hex');
      // Shaped as a random UUID (version 4, variant 1), as the ids of registered users are.
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    },
    stamp: (user) => mac('stamp', user.id, user.passwordHash, user.emailKey ?? ''),
    sameStamp: (a, b) => {
      const left = Buffer.from(a);
      const right = Buffer.from(b);
      return left.length === right.length && timingSafeEqual(left, right);
    },
  };
}
