import { AuthError } from '../errors/auth-error.js';
import { PASSWORD_MAX_LENGTH } from './password-policy.js';

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

/**
 * The common leetspeak stand-ins for a letter. A password's character
 * matches a word's letter when it is the letter or one of these; so `1`
 * stands for `i` where the word has an `i` and for `l` where it has an `l`,
 * and `4l1c3` and `a11ce` both spell `alice`.
 */
const LEET: Readonly<Record<string, string>> = {
  a: '4@',
  b: '8',
  e: '3',
  g: '9',
  i: '1!|',
  l: '1!|',
  o: '0',
  s: '5$',
  t: '7+',
};

/** Longer input than this is no password the length rule lets through (4 UTF-16 units per code point at most). */
const MAX_INPUT_UNITS = PASSWORD_MAX_LENGTH * 4;

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
 * Each letter of {@link LEET} and its stand-ins, as one character: `1`, `!`,
 * `|`, `i` and `l` all become `i`. Coarser than the table (it cannot tell i
 * from l), so a word whose skeleton is not in the password's skeleton is
 * spelled nowhere in it; the position-by-position look of {@link spelledAt}
 * decides the rest.
 */
const SKELETON: ReadonlyMap<string, string> = new Map(
  Object.entries(LEET).flatMap(([letter, standIns]) => {
    const representative = letter === 'l' ? 'i' : letter;
    return [...letter, ...standIns].map((character): [string, string] => [character, representative]);
  }),
);

/** `characters` with each stand-in and the letter it stands for made one ({@link SKELETON}). */
function skeleton(characters: readonly string[]): string {
  return characters.map((character) => SKELETON.get(character) ?? character).join('');
}

/**
 * Whether `word` is spelled at `at` in `text` (both as code points): each
 * character is the word's own or a leetspeak stand-in for it ({@link LEET}),
 * and at least one is the word's own, so that a run of digits (`7135`) is a
 * number and not a spelling of `ties`.
 */
function spelledAt(text: readonly string[], at: number, word: readonly string[]): boolean {
  let own = false;
  for (let k = 0; k < word.length; k++) {
    const expected = word[k] as string;
    const actual = text[at + k] as string;
    if (actual === expected) own = true;
    else if (!(LEET[expected] ?? '').includes(actual)) return false;
  }
  return own;
}

/**
 * Whether `password` is dominated by the context words: some word (or the
 * word reversed) is in it, as itself or through common leetspeak stand-ins
 * ({@link LEET}: `4l1c3` is `alice`), and once every occurrence of every
 * word is taken out, fewer than 3 distinct letters remain (the rest is
 * digits, symbols, spaces, or a letter or two repeated). Compared after the
 * folding of the common-password list: NFKC, then lower case. What remains
 * is counted as typed: a digit left over is not read as a letter, so
 * `4l1c3-1337` is dominated while `alice likes green tea 4ever` (whose other
 * words bring letters of their own) is not.
 *
 * The work is bounded: the password is at most {@link MAX_INPUT_UNITS}
 * UTF-16 units (longer input is refused with `ERR_INVALID_PASSWORD` before
 * it is normalised, as the length rule refuses it), a word its skeleton
 * search rules out costs one string search, and one that remains is tried
 * once at each position: at most the password's length times the words'.
 *
 * So `alice2024!`, `4l1c3-2024!`, `Alice@example`, `jwtgate123`, `3c1l4!!!!`
 * and `AliceAlice` are dominated, while `alice likes green tea` (a
 * passphrase that merely contains a name) is not.
 *
 * @example
 * isDominatedByContext('Alice2024!', ['alice']); // true
 * isDominatedByContext('4l1c3-2024!', ['alice']); // true
 * isDominatedByContext('alice and the quiet harbour', ['alice']); // false
 */
export function isDominatedByContext(password: string, words: readonly string[]): boolean {
  if (password.length > MAX_INPUT_UNITS) throw new AuthError('ERR_INVALID_PASSWORD', { reason: 'length' });
  let rest = [...fold(password)];
  let found = false;
  // Longest first, so that `alice.smith` goes whole before `alice` splits it.
  const ordered = words
    .flatMap((word) => [[...word], [...word].reverse()])
    .filter((word) => word.length > 0)
    .sort((a, b) => b.length - a.length);
  let restSkeleton = skeleton(rest);
  for (const word of ordered) {
    // One string search rules out nearly every word before the look at each position.
    if (!restSkeleton.includes(skeleton(word))) continue;
    // Copied only from the first match on: most words are in no password, and cost no allocation.
    let kept: string[] | undefined;
    let i = 0;
    while (i < rest.length) {
      if (i + word.length <= rest.length && spelledAt(rest, i, word)) {
        kept ??= rest.slice(0, i);
        // A space, not nothing: taking `bob` out of `abobc` must not make a new word of `ac`.
        kept.push(' ');
        i += word.length;
      } else {
        kept?.push(rest[i] as string);
        i += 1;
      }
    }
    if (kept !== undefined) {
      rest = kept;
      restSkeleton = skeleton(rest);
      found = true;
    }
  }
  if (!found) return false;
  return new Set(rest.join('').match(LETTER) ?? []).size < MIN_OTHER_LETTERS;
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
