/**
 * The stored password hash of an account that has none (made by signing in
 * with an identity provider). It is no hash any hasher makes or any import
 * accepts, so no password ever matches it; a password reset or a password
 * change through email can still give the account one.
 */
export const NO_PASSWORD_HASH = '!no-password';

/**
 * Whether the account can sign in with a password.
 *
 * @example
 * if (!hasPassword(user)) throw new AuthError('ERR_LAST_SIGN_IN_METHOD');
 */
export function hasPassword(user: { readonly passwordHash: string }): boolean {
  return user.passwordHash !== NO_PASSWORD_HASH;
}
