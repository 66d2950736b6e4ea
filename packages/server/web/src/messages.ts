import type { JwtgateClientError } from '@jwtgate/client';

const FRIENDLY: Readonly<Record<string, string>> = {
  ERR_INVALID_CREDENTIALS: 'That username and password do not match.',
  ERR_USERNAME_TAKEN: 'That username is taken. Choose another one.',
  ERR_INVALID_USERNAME: 'That username cannot be used: no spaces or invisible characters, 1 to 64 characters.',
  ERR_INVALID_PASSWORD: 'The password must be 8 to 1024 characters long.',
  ERR_NETWORK: 'The server could not be reached. Check your connection and try again.',
  ERR_STORE_UNAVAILABLE: 'The service is briefly unavailable. Try again in a moment.',
  ERR_TOKEN_REVOKED: 'This session was ended, from this or another device.',
  ERR_SESSION_REVOKED: 'This session was ended, from this or another device.',
  ERR_MFA_CODE_INVALID: 'That code is not right, or was already used. Try the code your app shows now.',
  ERR_MFA_TOKEN_INVALID: 'This sign-in has expired. Sign in again.',
  ERR_REAUTHENTICATION_FAILED: 'That password is not right.',
  ERR_INSUFFICIENT_AUTHENTICATION: 'To do this, sign out and sign in again with your authenticator app.',
  ERR_RATE_LIMITED: 'Too many attempts. Wait a few minutes and try again.',
};

/** What to tell a person about a failed call; the code stays visible for support. */
export function describeError(error: unknown): string {
  const coded = error as Partial<JwtgateClientError> | null;
  if (coded !== null && typeof coded === 'object' && typeof coded.code === 'string') {
    return FRIENDLY[coded.code] ?? `${coded.message ?? 'Something went wrong.'} (${coded.code})`;
  }
  return 'Something went wrong. Try again.';
}
