import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { AuthError, PASSWORD_MIN_LENGTH, type PasswordScreen } from '@jwtgate/core';

/**
 * The 100,000 most common passwords, most common first, one a line, gzipped:
 * the top of SecLists' ranked list (see NOTICE and docs/passwords.md). The
 * same path from `src/passwords` and `dist/passwords`.
 */
export const COMMON_PASSWORDS_FILE = fileURLToPath(new URL('../../data/common-passwords.txt.gz', import.meta.url));

/** Lines folded into the set per turn of the event loop: each turn stays around a millisecond. */
const LINES_PER_TURN = 2_000;

/**
 * How a new password and a list entry are compared: NFKC (what the password
 * policy stores), then lower case, so that `Password1`, `PASSWORD1` and
 * `ｐａｓｓｗｏｒｄ１` all meet `password1`. `toLowerCase` is the same in every
 * locale.
 *
 * @example
 * foldPassword('ＰａｓｓＷｏｒｄ'); // 'password'
 */
export function foldPassword(password: string): string {
  return password.normalize('NFKC').toLowerCase();
}

/** Code points, without making an array of them. */
function codePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xdc00 && unit <= 0xdfff) count -= 1;
  }
  return count;
}

/** The common-password screen, with what it holds once loaded (for tests and the docs' measurements). */
export interface CommonPasswordScreen extends PasswordScreen {
  /** Reads the list now if it was not yet; resolves to the folded entries a valid password could meet. */
  load(): Promise<ReadonlySet<string>>;
}

/**
 * Refuses, with `ERR_COMMON_PASSWORD`, a new password on the list of the
 * 100,000 most common ones, in any letter case (OWASP ASVS 5.0 §6.2.4;
 * NIST SP 800-63B §3.1.1.2).
 *
 * The list is read on the first check, not at start-up: a server that never
 * sees a new password never pays for it. The file is read and unzipped off
 * the event loop (libuv's pool); folding its lines into a set yields to the
 * event loop every {@link LINES_PER_TURN} lines, so other requests keep being
 * answered while it loads (about 50 ms in all, once). Only entries of at
 * least {@link PASSWORD_MIN_LENGTH} characters are kept: a shorter one could
 * never meet a password the length rule lets through. A load that fails
 * (the file damaged) is retried by the next check; that check's request
 * fails with a 500, never with a password let through unchecked.
 *
 * The file must exist when the screen is made, so that a package installed
 * without it stops the start rather than every later registration.
 *
 * @example
 * const screen = createCommonPasswordScreen();
 * await screen.check('Password123'); // throws ERR_COMMON_PASSWORD
 */
export function createCommonPasswordScreen(options: { readonly file?: string } = {}): CommonPasswordScreen {
  const file = options.file ?? COMMON_PASSWORDS_FILE;
  if (!existsSync(file)) {
    throw new Error(
      `the common-password list ${file} is missing: reinstall @jwtgate/server, or set Passwords.RejectCommon: false`,
    );
  }
  let loading: Promise<ReadonlySet<string>> | undefined;

  async function read(): Promise<ReadonlySet<string>> {
    const text = (await promisify(gunzip)(await readFile(file))).toString('utf8');
    const entries = new Set<string>();
    let start = 0;
    for (let line = 1; start < text.length; line++) {
      const end = text.indexOf('\n', start);
      const stop = end === -1 ? text.length : end;
      const entry = foldPassword(text.slice(start, stop));
      if (codePoints(entry) >= PASSWORD_MIN_LENGTH) entries.add(entry);
      start = stop + 1;
      if (line % LINES_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return entries;
  }

  function load(): Promise<ReadonlySet<string>> {
    loading ??= read().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  }

  return {
    load,
    async check(password) {
      const entries = await load();
      if (entries.has(foldPassword(password))) throw new AuthError('ERR_COMMON_PASSWORD', { reason: 'common' });
    },
  };
}
