import { AuthError } from '../errors/auth-error.js';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;

/**
 * Length is the only rule (NIST SP 800-63B §5.1.1.2: no composition rules).
 * Returns the password normalised to NFKC, so that the same passphrase typed
 * on two keyboards hashes the same. Over-long input is refused before any
 * normalisation or hashing work.
 *
 * @example
 * const normalised = acceptPassword(body.password); // throws ERR_INVALID_PASSWORD
 */
export function acceptPassword(password: string): string {
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
