import { domainToASCII, domainToUnicode } from 'node:url';
import { AuthError } from '../errors/auth-error.js';

/** An email address as given (trimmed, NFC) and the key it is unique and found under. */
export interface NormalisedEmail {
  /** Trimmed and NFC-normalised, otherwise as the user typed it: mail goes here. */
  readonly email: string;
  /** The whole address case-folded: `Alice@Example.com` and `alice@example.COM` share one key. */
  readonly key: string;
}

/** RFC 5321 §4.5.3.1: 254 octets for a forward path's address, 64 for its local part. */
export const EMAIL_MAX_LENGTH = 254;
const LOCAL_MAX_LENGTH = 64;

// Whitespace, controls, format and unassigned characters never belong in an address people type;
// quotes, angle brackets, commas and the like would make it a list or a display name, not an address.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{White_Space}"<>(),;:\\[\]]/u;
const DOMAIN_LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u;

/**
 * Normalises an email address: trims it, applies Unicode NFC and checks
 * that it is one plain address (`local@domain`, the domain with at least one
 * dot, at most 254 octets). The key folds the case of the whole address,
 * local part included: two accounts whose addresses differ only in case
 * would be one mailbox everywhere in practice. Throws `ERR_INVALID_EMAIL`.
 *
 * @example
 * normaliseEmail('  Zoë@Example.COM '); // { email: 'Zoë@Example.COM', key: 'zoë@example.com' }
 */
export function normaliseEmail(input: unknown): NormalisedEmail {
  // Bound the work before normalising, as for usernames.
  if (typeof input !== 'string' || input.length > EMAIL_MAX_LENGTH * 4) {
    throw new AuthError('ERR_INVALID_EMAIL', { reason: 'length' });
  }
  const email = input.trim().normalize('NFC');
  if (email.length === 0 || Buffer.byteLength(email) > EMAIL_MAX_LENGTH) {
    throw new AuthError('ERR_INVALID_EMAIL', { reason: 'length' });
  }
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const labels = domain.split('.');
  if (
    at <= 0 ||
    local.includes('@') ||
    Buffer.byteLength(local) > LOCAL_MAX_LENGTH ||
    FORBIDDEN.test(email) ||
    local.startsWith('.') ||
    local.endsWith('.') ||
    local.includes('..') ||
    labels.length < 2 ||
    !labels.every((label) => DOMAIN_LABEL.test(label))
  ) {
    throw new AuthError('ERR_INVALID_EMAIL', { reason: 'format' });
  }
  return { email, key: foldEmail(email) };
}

/**
 * Normalises an address that is about to be kept on an account or matched
 * with one (registration, an invitation, an address change, an import, an
 * identity provider's address), as {@link normaliseEmail} does, and refuses
 * it (`ERR_INVALID_EMAIL`, reason `ambiguous`) when its key would not tell
 * its mailbox from another. The key folds more than mail does: `ı`, `ß`,
 * `ſ`, `ς` and ligatures fold to `i`, `ss`, `s`, `σ` and their letters, but
 * `gmaıl.com` and `straße.de` are domains of their own, not `gmail.com` and
 * `strasse.de`. And mail folds more than the key: a domain in fullwidth
 * letters (`ｅｘａｍｐｌｅ.com`) is delivered to `example.com` (IDNA, UTS #46)
 * under a key of its own. Either way two accounts could share a mailbox, or a
 * provider's verified address at one domain meet an account at another.
 * Look-ups (a login, a reset, an emailed sign-in) still take any spelling:
 * mail only ever goes to the address the account has.
 *
 * @example
 * normaliseNewEmail('Zoë@Bücher.example'); // { email: 'Zoë@Bücher.example', key: 'zoë@bücher.example' }
 * normaliseNewEmail('bob@gmaıl.com'); // throws ERR_INVALID_EMAIL (ambiguous)
 */
export function normaliseNewEmail(input: unknown): NormalisedEmail {
  const normalised = normaliseEmail(input);
  const at = normalised.email.lastIndexOf('@');
  const local = normalised.email.slice(0, at);
  const domain = normalised.email.slice(at + 1);
  // The domain as mail reaches it: what nodemailer, resolvers and browsers all make of it.
  const ascii = domainToASCII(domain);
  if (ascii === '') throw new AuthError('ERR_INVALID_EMAIL', { reason: 'format' });
  if (domainToUnicode(ascii) !== foldEmail(domain) || foldEmail(local) !== local.toLowerCase()) {
    throw new AuthError('ERR_INVALID_EMAIL', {
      reason: 'ambiguous',
      message:
        'This address has letters that stand for others (such as ı, ß or fullwidth letters): type it as your mail provider writes it',
    });
  }
  return normalised;
}

/**
 * The case folding of email keys, for comparing part of an address (the
 * start an administrator typed) with stored keys.
 *
 * @example
 * foldEmail(' Zoë@EX'); // 'zoë@ex'
 */
export function foldEmail(text: string): string {
  // The same folding as usernames (upper then lower approximates full case folding), kept in NFC.
  return text.trim().toLowerCase().toUpperCase().toLowerCase().normalize('NFC');
}
