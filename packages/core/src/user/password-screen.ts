import { refuseContextWords } from './context-words.js';
import { acceptPassword } from './password-policy.js';

/**
 * Judges a new password beyond its length: against a list of common
 * passwords, a breach corpus, or both (OWASP ASVS 5.0 §6.2). Given only the
 * password, never the account, so that its answer can say nothing about any
 * account: the same password gets the same answer for everyone.
 *
 * Resolves when the password may be used; throws a coded `AuthError` when it
 * may not (`ERR_COMMON_PASSWORD`, `ERR_BREACHED_PASSWORD`) or cannot be
 * judged right now (`ERR_BREACH_CHECK_UNAVAILABLE`, 503).
 */
export interface PasswordScreen {
  /**
   * Checks `password`, already normalised by {@link acceptPassword} (NFKC,
   * 8 to 1024 characters).
   *
   * @example
   * await screen.check('correct horse battery staple');
   */
  check(password: string): Promise<void>;
}

/**
 * The password policy for a password being set (registration, change,
 * reset, an administrator's `user add`): the length rule, then, given the
 * context words (see `passwordContextWords`), the rule against a password
 * made of them (`ERR_PASSWORD_CONTAINS_CONTEXT`), then the screen when there
 * is one. Returns the normalised password to hash. Not for passwords being
 * checked against a stored hash: an account whose password became common
 * since keeps logging in.
 *
 * @example
 * const password = await acceptNewPassword(body.password, deps.passwordScreen); // may throw ERR_COMMON_PASSWORD
 * await acceptNewPassword(body.password, screen, passwordContextWords({ username: 'alice' })); // refuses 'alice2024!'
 */
export async function acceptNewPassword(
  password: string,
  screen: PasswordScreen | undefined,
  contextWords: readonly string[] = [],
): Promise<string> {
  const normalised = acceptPassword(password);
  // In memory and free: a password made of the name never reaches the breach check.
  refuseContextWords(normalised, contextWords);
  await screen?.check(normalised);
  return normalised;
}
