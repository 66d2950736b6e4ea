import { AuthError } from '../errors/auth-error.js';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;

/** A UTF-16 surrogate without its partner: with the `u` flag, a pair is one code point and never matches. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Refuses, with `ERR_MALFORMED_PASSWORD`, a password that is not
 * well-formed Unicode. A lone surrogate has no UTF-8 encoding: the hasher
 * would see U+FFFD in its place, so `"x\ud800"`, `"x\udfff"` and `"x\ufffd"`
 * would all be one password. Checked on every password accepted or checked,
 * before anything else: it depends only on the input, so it says nothing
 * about any account and costs no guess.
 *
 * @example
 * assertWellFormedPassword('x\ud800'); // throws ERR_MALFORMED_PASSWORD
 */
export function assertWellFormedPassword(password: unknown): void {
  if (typeof password === 'string' && LONE_SURROGATE.test(password)) {
    throw new AuthError('ERR_MALFORMED_PASSWORD', { reason: 'lone-surrogate' });
  }
}

/**
 * Length is the only rule (NIST SP 800-63B §5.1.1.2: no composition rules).
 * Returns the password normalised to NFKC, so that the same passphrase typed
 * on two keyboards hashes the same. Over-long input is refused before any
 * normalisation or hashing work; one that is not well-formed Unicode is
 * refused first ({@link assertWellFormedPassword}).
 *
 * @example
 * const normalised = acceptPassword(body.password); // throws ERR_INVALID_PASSWORD
 */
export function acceptPassword(password: string): string {
  assertWellFormedPassword(password);
  // Four UTF-16 units per code point at most, so this bounds the work below.
  if (typeof password !== 'string' || password.length > PASSWORD_MAX_LENGTH * 4) {
    throw new AuthError('ERR_INVALID_PASSWORD', { reason: 'length' });
  }
  const normalised = password.normalize('NFKC');
  const length = [...normalised].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new AuthError('ERR_INVALID_PASSWORD', { reason: 'length' });
  }
  return normalised;
}
