import type { JwtgateClientError } from '@jwtgate/client';

const FRIENDLY: Readonly<Record<string, string>> = {
  ERR_INVALID_CREDENTIALS: 'That email or username and password do not match.',
  ERR_USERNAME_TAKEN: 'That username is taken. Choose another one.',
  ERR_INVALID_USERNAME: 'That username cannot be used: no spaces or invisible characters, 1 to 64 characters.',
  ERR_INVALID_PASSWORD: 'The password must be 8 to 1024 characters long.',
  ERR_PASSWORD_CONTAINS_CONTEXT:
    'That password is too easy to guess: it is made of your username, your email address or the name of this service. Choose one that is not.',
  ERR_MALFORMED_PASSWORD: 'The password has a character that cannot be used. Type it again.',
  ERR_NETWORK: 'The server could not be reached. Check your connection and try again.',
  ERR_STORE_UNAVAILABLE: 'The service is briefly unavailable. Try again in a moment.',
  ERR_SERVER_BUSY: 'The service is busy. Try again in a moment.',
  ERR_TOKEN_REVOKED: 'This session was ended, from this or another device.',
  ERR_SESSION_REVOKED: 'This session was ended, from this or another device.',
  ERR_MFA_CODE_INVALID: 'That code is not right, or was already used. Try the code your app shows now.',
  ERR_MFA_TOKEN_INVALID: 'This sign-in has expired. Sign in again.',
  ERR_REAUTHENTICATION_FAILED: 'That password is not right.',
  ERR_WRONG_CURRENT_PASSWORD: 'That is not your current password.',
  ERR_INSUFFICIENT_AUTHENTICATION: 'To do this, sign out and sign in again with your authenticator app.',
  ERR_RATE_LIMITED: 'Too many attempts. Wait a few minutes and try again.',
  ERR_INVALID_EMAIL: 'That is not an email address. Check it for typing mistakes.',
  ERR_EMAIL_REQUIRED: 'An email address is needed for this.',
  ERR_EMAIL_TAKEN: 'That address cannot be used: it is your current one, or another account has it.',
  ERR_EMAIL_NOT_VERIFIED:
    'Your email address is not confirmed yet. Open the link in the mail we sent you, then sign in again.',
  ERR_EMAIL_TOKEN_INVALID:
    'This link or code cannot be used: it has expired, was used already, or a newer one replaced it. Ask for a new one.',
  ERR_INVITATION_INVALID:
    'This invitation cannot be used: it was used already, withdrawn, or has expired. Ask the person who invited you for a new one.',
  ERR_REGISTRATION_CLOSED: 'New accounts are made by invitation only on this server.',
  ERR_MAIL_UNAVAILABLE: 'This server cannot send mail at the moment, so this cannot be done now.',
  ERR_PASSKEY_INVALID: 'That passkey could not be used here. Try again, or sign in another way.',
  ERR_PASSKEY_CANCELLED: 'No passkey was used.',
  ERR_WEBAUTHN_UNAVAILABLE: 'This browser cannot use passkeys.',
  ERR_PASSKEYS_NOT_CONFIGURED: 'This server does not offer passkeys.',
};

/** "3 minutes", "45 seconds", "2 hours": a wait, rounded up to a unit a person reads at a glance. */
export function describeWait(seconds: number): string {
  const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;
  if (seconds < 60) return plural(Math.max(1, Math.ceil(seconds)), 'second');
  if (seconds < 3600) return plural(Math.ceil(seconds / 60), 'minute');
  return plural(Math.ceil(seconds / 3600), 'hour');
}

/**
 * What to tell a person about a failed call, in plain words: a refusal for
 * too many attempts says how long to wait; a code the page has no words for
 * keeps the server's message and the code, for support.
 *
 * @example
 * error.textContent = describeError(failure);
 */
export function describeError(error: unknown): string {
  const coded = error as Partial<JwtgateClientError> | null;
  if (coded !== null && typeof coded === 'object' && typeof coded.code === 'string') {
    if (coded.code === 'ERR_RATE_LIMITED' && typeof coded.retryAfterSec === 'number') {
      return `Too many attempts. Wait ${describeWait(coded.retryAfterSec)} and try again.`;
    }
    return FRIENDLY[coded.code] ?? `${coded.message ?? 'Something went wrong.'} (${coded.code})`;
  }
  return 'Something went wrong. Try again.';
}

/** Whether `error` is the server's refusal `code`. */
export function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
