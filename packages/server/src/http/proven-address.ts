import { AuthError, type UserStore } from '@jwtgate/core';

/**
 * Refuses a new way into an account (a linked identity, a passkey) or a
 * second factor while the account has an address nobody has proven: whoever
 * registered it may not own it, and what they added would outlive the reset
 * by which the owner of the mailbox takes the account back (account
 * pre-hijacking): a way in for them, or a second factor the owner does not
 * have. Accounts without an address have no owner to wait for.
 *
 * @example
 * await assertAddressProven(deps.users, claims.sub, 'passkey');
 */
export async function assertAddressProven(
  users: Pick<UserStore, 'findById'>,
  userId: string,
  adding: 'identity' | 'passkey' | 'authenticator-app',
): Promise<void> {
  const user = await users.findById(userId);
  if (user !== null && user.email != null && user.emailVerifiedAt == null) {
    throw new AuthError('ERR_EMAIL_NOT_VERIFIED', { reason: `${adding}-before-address-proven` });
  }
}
