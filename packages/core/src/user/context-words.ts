import { AuthError } from '../errors/auth-error.js';

/** Context words shorter than this (in code points) are ignored: `al` or `jo` inside a passphrase is chance. */
export const CONTEXT_WORD_MIN_LENGTH = 3;

/**
 * A password must keep at least this many distinct letters once the context
 * words are taken out of it: fewer, and what is left is digits, symbols or
 * a letter or two repeated (`alice2024!`, `jwtgate123`, `aliceee1`).
 */
const MIN_OTHER_LETTERS = 3;

/** Where a word splits into parts: anything that is neither a letter nor a digit (`.`, `-`, `_`, `+`). */
const SEPARATORS = /[^\p{L}\p{N}]+/u;
const LETTER = /\p{L}/gu;

/** The account a new password is for: what its holder typed or has. */
export interface PasswordContext {
  readonly username?: string | null | undefined;
  readonly email?: string | null | undefined;
}

/**
 * The same folding the common-password list uses: NFKC, then lower case (the
 * same in every locale).
 */
function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/**
 * The words a password must not be made of (OWASP ASVS 5.0 §6.2.11): the
 * username, the email address's local part and the labels of its domain
 * before the top-level one, and the service's own words (its name, the
 * configured `Passwords.ContextWords`). Each is kept whole and also split at
 * separators (`alice.smith` gives `alice.smith`, `alice` and `smith`); all are
 * folded, and words shorter than {@link CONTEXT_WORD_MIN_LENGTH} are dropped.
 *
 * @example
 * passwordContextWords({ username: 'alice', email: 'alice.smith@example.com' }, ['jwtgate']);
 * // ['alice', 'alice.smith', 'smith', 'example', 'jwtgate']
 */
export function passwordContextWords(account: PasswordContext, serviceWords: readonly string[] = []): string[] {
  const words = new Set<string>();
  const add = (word: string) => {
    const folded = fold(word);
    for (const candidate of [folded, ...folded.split(SEPARATORS)]) {
      if ([...candidate].length >= CONTEXT_WORD_MIN_LENGTH) words.add(candidate);
    }
  };
  if (account.username != null) add(account.username);
  if (account.email != null) {
    const at = account.email.lastIndexOf('@');
    add(account.email.slice(0, Math.max(at, 0)));
    // `example` of example.com, `mail` and `example` of mail.example.co.uk: never the top-level label.
    for (const label of account.email
      .slice(at + 1)
      .split('.')
      .slice(0, -1))
      add(label);
  }
  for (const word of serviceWords) add(word);
  return [...words];
}

/**
 * Whether `password` is dominated by the context words: some word (or the
 * word reversed) is in it, and once every occurrence of every word is taken
 * out, fewer than 3 distinct letters remain (the rest is digits, symbols,
 * spaces, or a letter or two repeated). Compared after the folding of the
 * common-password list: NFKC, then lower case.
 *
 * So `alice2024!`, `Alice@example`, `jwtgate123`, `ecila!!!!` and
 * `AliceAlice` are dominated, while `alice likes green tea` (a passphrase
 * that merely contains a name) is not.
 *
 * @example
 * isDominatedByContext('Alice2024!', ['alice']); // true
 * isDominatedByContext('alice and the quiet harbour', ['alice']); // false
 */
export function isDominatedByContext(password: string, words: readonly string[]): boolean {
  let rest = fold(password);
  let found = false;
  // Longest first, so that `alice.smith` goes whole before `alice` splits it.
  const ordered = words.flatMap((word) => [word, [...word].reverse().join('')]).sort((a, b) => b.length - a.length);
  for (const word of ordered) {
    if (word.length === 0 || !rest.includes(word)) continue;
    found = true;
    // A space, not nothing: taking `bob` out of `abobc` must not make a new word of `ac`.
    rest = rest.split(word).join(' ');
  }
  if (!found) return false;
  return new Set(rest.match(LETTER) ?? []).size < MIN_OTHER_LETTERS;
}

/**
 * Refuses, with `ERR_PASSWORD_CONTAINS_CONTEXT`, a new password dominated by
 * the context words ({@link isDominatedByContext}). `password` is the form
 * the policy accepted (NFKC, 8 to 1024 characters). Pure and in memory: it
 * costs nothing and asks nothing of any store.
 *
 * @example
 * refuseContextWords('alice2024!', passwordContextWords({ username: 'alice' })); // throws
 */
export function refuseContextWords(password: string, words: readonly string[]): void {
  if (isDominatedByContext(password, words)) {
    throw new AuthError('ERR_PASSWORD_CONTAINS_CONTEXT', { reason: 'context-word' });
  }
}
