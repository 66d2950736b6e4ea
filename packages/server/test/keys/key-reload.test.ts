import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CustomClaimsHook } from '@jwtgate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keysCommand } from '../../src/cli/keys.js';
import { loadConfig } from '../../src/config/load-config.js';
import { MAX_KEY_FILE_BYTES } from '../../src/keys/key-files.js';
import type { KeySet } from '../../src/keys/key-set-file.js';
import { captureLog, type LogCapture } from '../support/log-capture.js';
import { parseExposition } from '../support/prometheus-text.js';
import { makeTempDir } from '../support/temp-dir.js';
import { decodeJwt, startTestServer, TEST_REFRESH_SECRET, type TestServer } from '../support/test-server.js';

const PASSWORD = 'correct horse battery staple';

describe('reloading the key files of a running server', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let t: TestServer | undefined;
  let log: LogCapture;
  beforeEach(() => {
    dir = makeTempDir('jwtgate-key-reload-');
    log = captureLog();
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    dir.remove();
  });

  const keyFile = () => join(dir.path, 'keys.json');
  // The periodic check is off: each test says when the files are read again.
  const env = () => ({
    JWTGATE_AUTH_ACCESS_SECRET: '',
    JWTGATE_AUTH_KEY_FILE: keyFile(),
    JWTGATE_AUTH_KEY_RELOAD_INTERVAL: '0',
    JWTGATE_METRICS_ENABLED: 'true',
  });
  const keys = (
    sub: 'generate' | 'rotate' | 'remove',
    options: { kid?: string; alg?: string; changeAlg?: boolean } = {},
  ) =>
    keysCommand(sub, {
      config: () =>
        loadConfig({ env: { ...env(), JWTGATE_AUTH_REFRESH_SECRET: TEST_REFRESH_SECRET, JWTGATE_DATA_DIR: dir.path } }),
      file: undefined,
      alg: options.alg,
      kid: options.kid,
      changeAlg: options.changeAlg ?? false,
      json: true,
      now: Date.now(),
      out: () => {},
      warn: () => {},
    });
  const start = async (customClaims?: CustomClaimsHook) => {
    t = await startTestServer({
      env: env(),
      dataDir: dir.path,
      logger: { level: 'info', stream: log.stream },
      ...(customClaims === undefined ? {} : { customClaims }),
    });
    return t;
  };
  const me = async (token: string) => {
    const res = await (t as TestServer).request({ method: 'GET', url: '/auth/me', token });
    return res.statusCode === 200 ? 200 : `${res.statusCode} ${res.json().error.code}`;
  };
  const jwks = async (ifNoneMatch?: string) => {
    const res = await (t as TestServer).request({
      method: 'GET',
      url: '/.well-known/jwks.json',
      ...(ifNoneMatch === undefined ? {} : { headers: { 'if-none-match': ifNoneMatch } }),
    });
    return {
      status: res.statusCode,
      etag: res.headers.etag as string,
      kids: res.statusCode === 200 ? (res.json().keys as { kid: string }[]).map((k) => k.kid) : [],
    };
  };
  const kidOf = (token: string) => decodeJwt(token).header.kid;
  const reloads = (outcome: string) =>
    parseExposition((t as TestServer).server.metrics?.registry.render() ?? '').value('jwtgate_key_reloads_total', {
      outcome,
    });
  const errors = () => log.lines().filter((line) => line.level >= 50);

  it('publishes, signs with and forgets keys as the file says, without a restart', async () => {
    keys('generate', { kid: 'first' });
    const server = await start();
    const { accessToken: firstToken } = await server.signUp({ username: 'alice', password: PASSWORD });
    expect(kidOf(firstToken)).toBe('first');
    expect(server.server.reloadKeys()).toEqual({ status: 'unchanged' });

    keys('generate', { kid: 'second' });
    expect(server.server.reloadKeys()).toEqual({
      status: 'reloaded',
      added: ['second'],
      removed: [],
      signingKid: 'first',
      previousSigningKid: 'first',
    });
    expect((await jwks()).kids).toEqual(['first', 'second']);
    // Published, not signing yet.
    expect(kidOf((await server.login('alice', PASSWORD)).accessToken)).toBe('first');

    keys('rotate');
    const before = await jwks();
    expect(server.server.reloadKeys()).toMatchObject({
      status: 'reloaded',
      signingKid: 'second',
      previousSigningKid: 'first',
    });
    const { accessToken: secondToken } = await server.login('alice', PASSWORD);
    expect(kidOf(secondToken)).toBe('second');
    expect(await me(firstToken)).toBe(200);
    // Both still verify; the signing key is listed first, so the body and its ETag change.
    expect((await jwks()).kids).toEqual(['second', 'first']);
    expect((await jwks(before.etag)).status).toBe(200);

    const audited = log.audit('keys.reloaded');
    expect(audited.map((line) => [line.trigger, line.added, line.removed, line.signingKid])).toEqual([
      ['signal', ['second'], [], 'first'],
      ['signal', [], [], 'second'],
    ]);
    expect(reloads('reloaded')).toBe(2);
    expect(errors()).toEqual([]);
  });

  it('refuses a cached token of a key removed from the file right after the reload', async () => {
    keys('generate', { kid: 'leaked' });
    const server = await start();
    const { accessToken } = await server.signUp({ username: 'bob', password: PASSWORD });
    // Verified once, then answered from the cache of verified tokens.
    expect(await me(accessToken)).toBe(200);
    expect(await me(accessToken)).toBe(200);
    const published = await jwks();

    keys('rotate', { kid: 'fresh' });
    keys('remove', { kid: 'leaked' });
    expect(readKeySet().keys.map((k) => k.kid)).toEqual(['fresh']);
    expect(server.server.reloadKeys()).toEqual({
      status: 'reloaded',
      added: ['fresh'],
      removed: ['leaked'],
      signingKid: 'fresh',
      previousSigningKid: 'leaked',
    });
    expect(await me(accessToken)).toBe('401 ERR_TOKEN_INVALID');
    // Verifiers revalidating with the old ETag are told the set changed.
    const after = await jwks(published.etag);
    expect(after).toMatchObject({ status: 200, kids: ['fresh'] });
    expect(after.etag).not.toBe(published.etag);
    const { accessToken: fresh } = await server.login('bob', PASSWORD);
    expect(kidOf(fresh)).toBe('fresh');
    expect(await me(fresh)).toBe(200);
  });

  for (const operation of ['refresh', 'login'] as const) {
    it(`signs again with the current key a token of a ${operation} that took the signing key before a reload removed it`, async () => {
      keys('generate', { kid: 'leaked' });
      // Holds the one operation armed for it between taking the keys and signing with them.
      let arm: (() => void) | undefined;
      let release = () => {};
      const server = await start(async () => {
        if (arm === undefined) return {};
        arm();
        arm = undefined;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return {};
      });
      const { username, refreshToken } = await server.signUp({ password: PASSWORD });
      const held = new Promise<void>((resolve) => {
        arm = resolve;
      });
      const answer =
        operation === 'refresh'
          ? server.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } })
          : server.request({ method: 'POST', url: '/auth/login', body: { username, password: PASSWORD } });
      await held;

      keys('rotate', { kid: 'fresh' });
      keys('remove', { kid: 'leaked' });
      expect(server.server.reloadKeys()).toMatchObject({
        status: 'reloaded',
        removed: ['leaked'],
        signingKid: 'fresh',
      });
      release();
      const res = await answer;
      expect(res.statusCode).toBe(200);
      const { accessToken } = res.json() as { accessToken: string };
      expect(kidOf(accessToken)).toBe('fresh');
      expect(await me(accessToken)).toBe(200);
    });
  }

  const readKeySet = () => JSON.parse(readFileSync(keyFile(), 'utf8')) as KeySet;

  it('keeps the keys in use when the file does not load, reports it once, and takes the next good file', async () => {
    keys('generate', { kid: 'kept' });
    const server = await start();
    const { accessToken } = await server.signUp({ username: 'carol', password: PASSWORD });
    const good = readFileSync(keyFile(), 'utf8');
    const published = await jwks();

    // Half a file, as a reader may see one rewritten in place.
    writeFileSync(keyFile(), good.slice(0, good.length / 2));
    expect(server.server.reloadKeys()).toMatchObject({
      status: 'failed',
      code: 'ERR_KEY_FILE_INVALID',
      repeated: false,
    });
    expect(await me(accessToken)).toBe(200);
    expect(await jwks()).toEqual(published);
    expect(kidOf((await server.login('carol', PASSWORD)).accessToken)).toBe('kept');

    rmSync(keyFile());
    expect(server.server.reloadKeys()).toMatchObject({ status: 'failed', code: 'ERR_KEY_FILE_UNREADABLE' });

    // A key set whose signing key was taken out by hand: nothing could sign.
    const set = JSON.parse(good) as KeySet;
    writeFileSync(keyFile(), JSON.stringify({ ...set, keys: set.keys.map((k) => ({ ...k, status: 'next' })) }));
    const outcome = server.server.reloadKeys();
    expect(outcome).toMatchObject({ status: 'failed', code: 'ERR_KEY_FILE_INVALID' });
    expect(outcome?.status === 'failed' && outcome.problems).toEqual([
      expect.stringMatching(/^Auth\.KeyFile: .*keys\.json: exactly one key must be "current", found 0$/),
    ]);
    // Asked again about the same contents: counted again, logged again (an operator asked).
    expect(server.server.reloadKeys()).toMatchObject({ status: 'failed', repeated: true });
    expect(await me(accessToken)).toBe(200);

    const logged = errors();
    expect(logged.map((line) => line.code)).toEqual([
      'ERR_KEY_FILE_INVALID',
      'ERR_KEY_FILE_UNREADABLE',
      'ERR_KEY_FILE_INVALID',
      'ERR_KEY_FILE_INVALID',
    ]);
    // Paths and problems only: no member of any key reaches the log.
    for (const entry of set.keys) {
      for (const value of Object.values(entry.jwk)) {
        if (typeof value === 'string' && value.length > 16) expect(log.text()).not.toContain(value);
      }
    }
    expect(reloads('invalid')).toBe(3);
    expect(reloads('unreadable')).toBe(1);

    writeFileSync(keyFile(), good);
    expect(server.server.reloadKeys()).toEqual({ status: 'unchanged' });
    keys('generate', { kid: 'later' });
    expect(server.server.reloadKeys()).toMatchObject({ status: 'reloaded', added: ['later'] });
    expect((await jwks()).kids).toEqual(['kept', 'later']);
  });

  it('sees a change by its contents even when the file keeps its size and modification time', async () => {
    keys('generate', { kid: 'aaaa' });
    const server = await start();
    const { mtime } = statSync(keyFile());
    const text = readFileSync(keyFile(), 'utf8');
    // Another key id of the same length: same size, same time, other contents.
    writeFileSync(keyFile(), text.replaceAll('"aaaa"', '"bbbb"'));
    utimesSync(keyFile(), mtime, mtime);
    expect(Math.round(statSync(keyFile()).mtimeMs)).toBe(mtime.getTime());
    expect(server.server.reloadKeys()).toMatchObject({ status: 'reloaded', added: ['bbbb'], removed: ['aaaa'] });
    expect(kidOf((await server.signUp({ username: 'erin', password: PASSWORD })).accessToken)).toBe('bbbb');
  });

  it('refuses a signing key of another algorithm until a restart, as `keys` does without --change-alg', async () => {
    keys('generate', { kid: 'es' });
    const server = await start();
    keys('generate', { kid: 'ed', alg: 'EdDSA', changeAlg: true });
    // Published ahead of its turn: another algorithm may verify beside the signing one.
    expect(server.server.reloadKeys()).toMatchObject({ status: 'reloaded', added: ['ed'] });
    keys('rotate');
    expect(server.server.reloadKeys()).toMatchObject({
      status: 'failed',
      code: 'ERR_KEY_ALGORITHM_CHANGED',
      problems: [expect.stringContaining('is EdDSA, but ES256 signs now; a change of algorithm takes a restart')],
    });
    const { accessToken } = await server.signUp({ username: 'dave', password: PASSWORD });
    expect(decodeJwt(accessToken).header).toMatchObject({ alg: 'ES256', kid: 'es' });
    expect(reloads('algorithm-changed')).toBe(1);
  });

  it('refuses, unread, a key file any user may write, one that is no regular file, and one too large', async () => {
    keys('generate', { kid: 'owned' });
    const server = await start();
    const { accessToken } = await server.signUp({ username: 'frank', password: PASSWORD });
    const published = await jwks();
    const good = readFileSync(keyFile(), 'utf8');
    const refused = (problem: RegExp) => {
      const outcome = server.server.reloadKeys();
      expect(outcome).toMatchObject({ status: 'failed', code: 'ERR_KEY_FILE_UNREADABLE' });
      expect(outcome?.status === 'failed' && outcome.problems).toEqual([expect.stringMatching(problem)]);
    };

    // A local user who can write the file puts a key set of their own in it.
    rmSync(keyFile());
    keys('generate', { kid: 'planted' });
    chmodSync(keyFile(), 0o666);
    refused(/^Auth\.KeyFile: .*keys\.json has mode 0666: any user can write it; only its owner may \(chmod o-w /);
    expect(kidOf((await server.login('frank', PASSWORD)).accessToken)).toBe('owned');
    expect(await jwks()).toEqual(published);

    // A FIFO would hang a blocking read until someone wrote to it.
    rmSync(keyFile());
    execFileSync('mkfifo', [keyFile()]);
    refused(/keys\.json is not a regular file$/);

    // Read no further than the limit, whatever the file's size.
    rmSync(keyFile());
    writeFileSync(keyFile(), `${good}${' '.repeat(MAX_KEY_FILE_BYTES)}`);
    refused(/keys\.json is larger than 1048576 bytes/);
    expect(await me(accessToken)).toBe(200);
    expect(await jwks()).toEqual(published);

    // A symbolic link (as Kubernetes mounts a secret) is followed; its target is what counts.
    rmSync(keyFile());
    writeFileSync(join(dir.path, 'target.json'), good, { mode: 0o600 });
    symlinkSync(join(dir.path, 'target.json'), keyFile());
    expect(server.server.reloadKeys()).toEqual({ status: 'unchanged' });
    expect(await me(accessToken)).toBe(200);
  });

  it('refuses, at reload, a public key where the signing key belongs, and keeps signing with the key in use', async () => {
    keys('generate', { kid: 'private' });
    const server = await start();
    const { accessToken } = await server.signUp({ username: 'heidi', password: PASSWORD });
    const published = await jwks();
    // The published half of a key of the same algorithm, as someone might copy it from the JWKS.
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(keyFile(), publicKey.export({ type: 'spki', format: 'pem' }) as string, { mode: 0o600 });
    const outcome = server.server.reloadKeys();
    expect(outcome).toMatchObject({ status: 'failed', code: 'ERR_KEY_FILE_INVALID' });
    expect(outcome?.status === 'failed' && outcome.problems).toEqual([
      expect.stringMatching(/ES256 signs with a private key, got a public key/),
    ]);
    expect(await me(accessToken)).toBe(200);
    expect(await jwks()).toEqual(published);
    expect(kidOf((await server.login('heidi', PASSWORD)).accessToken)).toBe('private');
  });

  it('refuses at start-up a key file any user may write', async () => {
    keys('generate', { kid: 'open' });
    chmodSync(keyFile(), 0o646);
    await expect(start()).rejects.toThrow(/Auth\.KeyFile: .*keys\.json has mode 0646: any user can write it/);
  });

  it('stops verifying tokens of a key whose material changed under the same kid, cached or not', async () => {
    keys('generate', { kid: 'same' });
    const server = await start();
    const { accessToken } = await server.signUp({ username: 'grace', password: PASSWORD });
    expect(await me(accessToken)).toBe(200);
    expect(await me(accessToken)).toBe(200);
    const published = await jwks();

    // A new key set that reuses the kid: the old key must not live on under its name.
    rmSync(keyFile());
    keys('generate', { kid: 'same' });
    expect(server.server.reloadKeys()).toMatchObject({ status: 'reloaded', added: [], removed: [] });

    expect(await me(accessToken)).toBe('401 ERR_TOKEN_INVALID');
    const after = await jwks(published.etag);
    expect(after).toMatchObject({ status: 200, kids: ['same'] });
    expect(after.etag).not.toBe(published.etag);
    const { accessToken: fresh } = await server.login('grace', PASSWORD);
    expect(await me(fresh)).toBe(200);
  });

  it('checks the files by itself every Auth.KeyReloadInterval, logging a lasting failure once', async () => {
    keys('generate', { kid: 'one' });
    t = await startTestServer({
      env: { ...env(), JWTGATE_AUTH_KEY_RELOAD_INTERVAL: '1' },
      dataDir: dir.path,
      logger: { level: 'info', stream: log.stream },
    });
    keys('generate', { kid: 'two' });
    await waitFor(() => log.audit('keys.reloaded').length === 1, 3_000);
    expect(log.audit('keys.reloaded')[0]).toMatchObject({ trigger: 'interval', added: ['two'] });

    writeFileSync(keyFile(), '{ "format": "jwtgate-keys/1", "keys": [');
    await waitFor(() => (reloads('invalid') ?? 0) >= 3, 5_000);
    expect(errors().map((line) => [line.code, line.trigger])).toEqual([['ERR_KEY_FILE_INVALID', 'interval']]);
    expect((await jwks()).kids).toEqual(['one', 'two']);
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
