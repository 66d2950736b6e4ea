import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KeySet } from '../../src/keys/key-set-file.js';
import { runCli, useProcessSandbox } from '../support/spawn-server.js';

const REFRESH_SECRET = 'cli-keys-refresh-secret-0123456789abcdefg';
const EX_USAGE = 64;
const EX_CONFIG = 78;

describe('jwtgate keys', () => {
  const dir = useProcessSandbox('jwtgate-keys-cli-');
  const env = () => ({ JWTGATE_AUTH_REFRESH_SECRET: REFRESH_SECRET, JWTGATE_AUTH_KEY_FILE: 'keys.json' });
  const keys = (args: string[]) => runCli(['keys', ...args], { cwd: dir.path, env: env(), timeoutMs: 20_000 });
  const readSet = () => JSON.parse(readFileSync(join(dir.path, 'keys.json'), 'utf8')) as KeySet;

  it('creates a key set whose first key signs, readable by its owner only', async () => {
    const result = await keys(['generate', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const { action, key } = JSON.parse(result.stdout);
    expect(action).toBe('generated');
    expect(key).toMatchObject({ alg: 'ES256', status: 'current' });
    expect(key.kid).toMatch(/^es256-\d{8}-[0-9a-f]{6}$/);
    expect(statSync(join(dir.path, 'keys.json')).mode & 0o777).toBe(0o600);
    expect(readSet().keys).toEqual([expect.objectContaining({ kid: key.kid, status: 'current' })]);
  });

  it('refuses to rotate, add to or remove from a key set any user may write, and leaves it as it is', async () => {
    expect((await keys(['generate', '--kid', 'planted'])).code).toBe(0);
    const path = join(dir.path, 'keys.json');
    chmodSync(path, 0o666);
    const before = readFileSync(path, 'utf8');
    // `list` reads the keys as the server would, so it fails as a configuration does.
    const refusals: [string[], number][] = [
      [['rotate'], 1],
      [['generate'], 1],
      [['remove', '--kid', 'planted'], 1],
      [['list'], EX_CONFIG],
    ];
    for (const [args, code] of refusals) {
      const result = await keys(args);
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr).toContain(`${path} has mode 0666: any user can write it; only its owner may (chmod o-w`);
    }
    // Not rewritten into a fresh 0600 file that would no longer look planted.
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(statSync(path).mode & 0o777).toBe(0o666);
  });

  it('publishes a second key as next, refuses a third before a rotation, then rotates', async () => {
    expect((await keys(['generate', '--alg', 'EdDSA', '--kid', 'first'])).code).toBe(0);
    const second = await keys(['generate', '--kid', 'second']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe(`generated EdDSA key second (next) in ${join(dir.path, 'keys.json')}\n`);
    expect(second.stderr).toContain('run `jwtgate keys rotate`');

    const third = await keys(['generate']);
    expect(third.code).toBe(1);
    expect(third.stderr).toContain('the key "second" is already waiting to sign');

    const rotated = await keys(['rotate']);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain('rotated EdDSA key second (current)');
    expect(rotated.stdout).toMatch(/retired first: verifies until \d{4}-\d\d-\d\dT/);
    expect(readSet().keys.map((k) => [k.kid, k.status])).toEqual([
      ['second', 'current'],
      ['first', 'previous'],
    ]);
  });

  it('refuses a key of another algorithm than the signing one unless --change-alg says it is meant', async () => {
    expect((await keys(['generate', '--alg', 'ES256', '--kid', 'es'])).code).toBe(0);
    const mixed = await keys(['generate', '--alg', 'EdDSA']);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('the key set signs with ES256 (key "es"); a EdDSA key would change the algorithm');
    expect(mixed.stderr).toContain('--change-alg');
    const rotatedIn = await keys(['rotate', '--alg', 'EdDSA']);
    expect(rotatedIn.code).toBe(1);
    expect(readSet().keys.map((k) => [k.kid, k.alg, k.status])).toEqual([['es', 'ES256', 'current']]);

    const meant = await keys(['generate', '--alg', 'EdDSA', '--kid', 'ed', '--change-alg']);
    expect(meant.code, meant.stderr).toBe(0);
    expect(readSet().keys.map((k) => [k.kid, k.alg, k.status])).toEqual([
      ['es', 'ES256', 'current'],
      ['ed', 'EdDSA', 'next'],
    ]);
  });

  it('lists the keys the server runs with, and never prints key material', async () => {
    await keys(['generate', '--kid', 'one']);
    await keys(['generate', '--kid', 'two', '--alg', 'RS256', '--change-alg']);
    const set = readSet();
    const listed = await keys(['list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ kid: 'one', alg: 'ES256', status: 'current' }),
      expect.objectContaining({ kid: 'two', alg: 'RS256', status: 'next' }),
    ]);
    const table = await keys(['list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^KID\s+ALG\s+STATUS\s+CREATED\s+VERIFIES UNTIL$/);
    for (const key of set.keys) {
      for (const member of ['d', 'p', 'q', 'x', 'n']) {
        const value = key.jwk[member];
        if (typeof value === 'string') {
          expect(listed.stdout).not.toContain(value.slice(0, 16));
          expect(table.stdout).not.toContain(value.slice(0, 16));
        }
      }
    }
  });

  it('lists the secrets of a secret-signed server by their derived ids only', async () => {
    const secret = 'a-listed-access-secret-0123456789abcdefgh';
    const result = await runCli(['keys', 'list', '--json'], {
      cwd: dir.path,
      env: {
        JWTGATE_AUTH_REFRESH_SECRET: REFRESH_SECRET,
        JWTGATE_AUTH_ACCESS_SECRET: secret,
        JWTGATE_AUTH_PREVIOUS_ACCESS_SECRETS: 'an-older-access-secret-0123456789abcdefg',
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { kid: expect.stringMatching(/^hs-/), alg: 'HS256', status: 'current (secret)' },
      { kid: expect.stringMatching(/^hs-/), alg: 'HS256', status: 'previous (secret)' },
    ]);
    expect(result.stdout).not.toContain(secret);
    expect(result.stdout).not.toContain('an-older-access-secret');
  });

  it('prints a fresh HMAC secret, and nothing else, on stdout', async () => {
    const result = await runCli(['keys', 'generate', '--alg', 'HS512'], { cwd: dir.path });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^[A-Za-z0-9_-]{86}\n$/);
    expect(result.stderr).toContain('JWTGATE_AUTH_PREVIOUS_ACCESS_SECRETS');
    const again = await runCli(['keys', 'generate', '--alg', 'HS512'], { cwd: dir.path });
    expect(again.stdout).not.toBe(result.stdout);
  });

  it('explains that secrets are rotated in the environment when there is no key set', async () => {
    const result = await runCli(['keys', 'rotate'], {
      cwd: dir.path,
      env: { JWTGATE_AUTH_REFRESH_SECRET: REFRESH_SECRET },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('keys rotate needs a key set file: pass --file <path> or set Auth.KeyFile');
    expect(result.stderr).toContain('docs/keys.md');
  });

  it('removes a next or previous key at once, but never the one that signs', async () => {
    await keys(['generate', '--kid', 'old']);
    await keys(['generate', '--kid', 'new']);
    const signing = await keys(['remove', '--kid', 'old']);
    expect(signing.code).toBe(1);
    expect(signing.stderr).toContain('the key "old" signs; run `jwtgate keys rotate` first');
    expect((await keys(['remove', '--kid', 'nobody'])).stderr).toContain('the key set has no key "nobody"');
    expect((await keys(['remove'])).stderr).toContain('keys remove needs --kid <id>');

    expect((await keys(['rotate'])).code).toBe(0);
    const removed = await keys(['remove', '--kid', 'old', '--json']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({ action: 'removed', key: { kid: 'old', status: 'previous' } });
    expect(removed.stderr).toContain(
      'stop verifying tokens of old within Auth.KeyReloadInterval, or at once on SIGHUP',
    );
    expect(readSet().keys.map((k) => [k.kid, k.status])).toEqual([['new', 'current']]);
    expect(statSync(join(dir.path, 'keys.json')).mode & 0o777).toBe(0o600);
  });

  it('refuses an unknown subcommand or algorithm', async () => {
    expect((await keys(['frobnicate'])).code).toBe(EX_USAGE);
    const result = await keys(['generate', '--alg', 'none']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--alg must be one of');
  });

  it('makes config check fail with the setting and file when the key file is unusable', async () => {
    writeFileSync(join(dir.path, 'keys.json'), '{"format":"jwtgate-keys/1","keys":[]}');
    const result = await runCli(['config', 'check'], { cwd: dir.path, env: env() });
    expect(result.code).toBe(EX_CONFIG);
    expect(result.stderr).toContain('Auth.KeyFile:');
    expect(result.stderr).toContain('exactly one key must be "current", found 0');
  });
});
