import { AuthError } from '../errors/auth-error.js';
import { isHighlyRestrictive } from './username-scripts.js';

/** A username in its display form and the key it is unique under. */
export interface NormalisedUsername {
  /** NFKC-normalised, as shown to people. */
  readonly username: string;
  /** Case-folded and NFKC-normalised: `Alice`, `ALICE` and `ａｌｉｃｅ` share one key. */
  readonly key: string;
}

export const USERNAME_MAX_LENGTH = 64;

// Control, format, surrogate, private-use and unassigned code points, and any whitespace:
// they make look-alike names or break display, and nobody needs them in a username.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{White_Space}]/u;

/**
 * Normalises a username (Unicode NFKC) and derives its case-insensitive key.
 * Throws `ERR_INVALID_USERNAME` for empty, over-long (64 code points) names
 * or names with whitespace, control, format or unassigned characters.
 *
 * @example
 * normaliseUsername('Ａlice'); // { username: 'Alice', key: 'alice' }
 */
export function normaliseUsername(input: string): NormalisedUsername {
  // Bound the work before normalising: NFKC can expand input several-fold.
  if (typeof input !== 'string' || input.length === 0 || input.length > USERNAME_MAX_LENGTH * 4) {
    throw new AuthError('ERR_INVALID_USERNAME', { reason: 'length' });
  }
  const username = input.normalize('NFKC');
  if (FORBIDDEN.test(username)) {
    throw new AuthError('ERR_INVALID_USERNAME', {
      reason: 'characters',
      message: 'A username may not contain whitespace, control or unassigned characters',
    });
  }
  const length = [...username].length;
  if (length === 0 || length > USERNAME_MAX_LENGTH) {
    throw new AuthError('ERR_INVALID_USERNAME', {
      reason: 'length',
      message: `A username must be 1 to ${USERNAME_MAX_LENGTH} characters long`,
    });
  }
  // Upper then lower approximates Unicode full case folding (ß and SS meet), which JS lacks.
  // Lowering first makes capital ẞ meet them too: it upper-cases to itself, not to SS.
  const key = username.toLowerCase().toUpperCase().toLowerCase().normalize('NFKC');
  return { username, key };
}

/**
 * Normalises a username that is about to be given to an account
 * (registration, an invitation, `jwtgate user add`, an import), as
 * {@link normaliseUsername} does, and refuses it (`ERR_INVALID_USERNAME`,
 * reason `mixed-scripts`) when it mixes scripts beyond the "Highly
 * Restrictive" level of UTS #39 §5.2: `аlice` with a Cyrillic `а` looks like
 * `alice` wherever names are shown. Latin with Chinese, Japanese or Korean
 * passes; so does a name in one script, even one that looks like a name in
 * another (an all-Cyrillic `асе` and `ace`). Look-ups (a login, the command
 * line naming a user) still take any name, so accounts made before the rule
 * keep working.
 *
 * @example
 * normaliseNewUsername('Ａlice'); // { username: 'Alice', key: 'alice' }
 * normaliseNewUsername('\u0430lice'); // throws ERR_INVALID_USERNAME (mixed-scripts)
 */
export function normaliseNewUsername(input: string): NormalisedUsername {
  const normalised = normaliseUsername(input);
  if (!isHighlyRestrictive(normalised.username)) {
    throw new AuthError('ERR_INVALID_USERNAME', {
      reason: 'mixed-scripts',
      message:
        'A username may not mix alphabets (such as Latin with Cyrillic or Greek), which makes it look like another; only Latin with Chinese, Japanese or Korean may be mixed',
    });
  }
  return normalised;
}
