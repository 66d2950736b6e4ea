import { describeError, hasCode } from '../messages.js';

const ADMIN_FRIENDLY: Readonly<Record<string, string>> = {
  ERR_LAST_ADMIN:
    'Refused: this is the last enabled administrator. Make another account administrator first, then try again.',
  ERR_FORBIDDEN: 'Refused: your account is not an administrator (the server checks on every request).',
  ERR_USER_NOT_FOUND: 'No user has this id: the account may have been deleted.',
  ERR_SESSION_NOT_FOUND: 'That session had already ended.',
  ERR_MFA_NOT_CONFIGURED: 'Second factors are off on this server (no Mfa.EncryptionKey).',
  ERR_INVALID_CURSOR: 'This list is out of date. Search again.',
  ERR_VALIDATION: 'The server refused a value of this form. Check it and try again.',
  ERR_INVITATION_NOT_FOUND: 'This invitation is no longer pending: it was used, revoked or has expired.',
  ERR_EMAIL_TAKEN: 'An account has this address already: nobody needs to be invited with it.',
};

/**
 * What to tell an administrator about a refused call: the console's own
 * words for the admin API's codes, the page's for the rest.
 *
 * @example
 * error.textContent = describeAdminError(failure);
 */
export function describeAdminError(error: unknown): string {
  for (const [code, text] of Object.entries(ADMIN_FRIENDLY)) if (hasCode(error, code)) return text;
  return describeError(error);
}

/** "1 session", "3 sessions". */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
