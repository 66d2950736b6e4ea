import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createJwtSigner, createManualClock, importJwk } from '@jwtgate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keysCommand } from '../../src/cli/keys.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { KeySet } from '../../src/keys/key-set-file.js';
import { makeTempDir } from '../support/temp-dir.js';
import { decodeJwt, startTestServer, TEST_REFRESH_SECRET, type TestServer } from '../support/test-server.js';

const FIRST_SECRET = 'rotation-first-access-secret-0123456789ab';
const SECOND_SECRET = 'rotation-second-access-secret-0123456789a';

describe('key rotation without logging anyone out', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let running: TestServer | undefined;
  beforeEach(() => {
    dir = makeTempDir('jwtgate-rotation-');
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    dir.remove();
  });

  /** Stops the running instance and starts the next one on the same database, as a rolling restart does. */
  async function restart(env: Record<string, string>, clock = createManualClock(Date.now())): Promise<TestServer> {
    await running?.close();
    running = await startTestServer({ env, dataDir: dir.path, clock });
    return running;
  }

  async function me(t: TestServer, token: string) {
    const res = await t.request({ method: 'GET', url: '/auth/me', token });
    return { status: res.statusCode, code: res.statusCode === 200 ? null : res.json().error.code };
  }

  it('rotates an HMAC secret: the previous secret verifies until it is removed', async () => {
    const first = await restart({ JWTGATE_AUTH_ACCESS_SECRET: FIRST_SECRET });
    const { accessToken, refreshToken } = await first.signUp({ username: 'alice' });

    const second = await restart({
      JWTGATE_AUTH_ACCESS_SECRET: SECOND_SECRET,
      JWTGATE_AUTH_PREVIOUS_ACCESS_SECRETS: FIRST_SECRET,
    });
    expect(await me(second, accessToken)).toEqual({ status: 200, code: null });
    // New tokens come from the new secret, under another kid; the session carries on.
    const refreshed = await second.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
    expect(refreshed.statusCode).toBe(200);
    const next = refreshed.json().accessToken as string;
    expect(decodeJwt(next).header.kid).not.toBe(decodeJwt(accessToken).header.kid);
    expect(await me(second, next)).toEqual({ status: 200, code: null });

    const third = await restart({ JWTGATE_AUTH_ACCESS_SECRET: SECOND_SECRET });
    expect(await me(third, accessToken)).toEqual({ status: 401, code: 'ERR_TOKEN_INVALID' });
    expect(await me(third, next)).toEqual({ status: 200, code: null });
  });

  it('rotates a key set: publish next, rotate, and the retired key verifies until its tokens have expired', async () => {
    const keyFile = join(dir.path, 'keys.json');
    const env = { JWTGATE_AUTH_ACCESS_SECRET: '', JWTGATE_AUTH_KEY_FILE: keyFile };
    const output: string[] = [];
    const keys = (sub: 'generate' | 'rotate', now = Date.now()) =>
      keysCommand(sub, {
        config: () =>
          loadConfig({ env: { ...env, JWTGATE_AUTH_REFRESH_SECRET: TEST_REFRESH_SECRET, JWTGATE_DATA_DIR: dir.path } }),
        file: undefined,
        alg: undefined,
        kid: undefined,
        json: true,
        now,
        out: (text) => output.push(text),
        warn: () => {},
      });
    const readSet = () => JSON.parse(readFileSync(keyFile, 'utf8')) as KeySet;

    keys('generate');
    const first = await restart(env);
    const { accessToken } = await first.signUp({ username: 'bob' });
    const oldKid = decodeJwt(accessToken).header.kid;
    expect(decodeJwt(accessToken).header.alg).toBe('ES256');
    const oldPrivateJwk = readSet().keys[0]?.jwk;

    // Step 1: the next key is published and verifies everywhere before it signs anything.
    keys('generate');
    const newKid = readSet().keys[1]?.kid;
    const second = await restart(env);
    const published = (await second.request({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    expect(published.keys.map((k: { kid: string }) => k.kid)).toEqual([oldKid, newKid]);
    const { accessToken: stillOld } = await second.login('bob', 'correct horse battery staple');
    expect(decodeJwt(stillOld).header.kid).toBe(oldKid);

    // Step 2: rotate; the new key signs, tokens of the old one keep working.
    keys('rotate');
    const rotated = readSet();
    expect(rotated.keys.map((k) => [k.kid, k.status])).toEqual([
      [newKid, 'current'],
      [oldKid, 'previous'],
    ]);
    expect(rotated.keys[1]?.jwk).not.toHaveProperty('d');
    const clock = createManualClock(Date.now());
    const third = await restart(env, clock);
    expect(await me(third, accessToken)).toEqual({ status: 200, code: null });
    const { accessToken: fresh } = await third.login('bob', 'correct horse battery staple');
    expect(decodeJwt(fresh).header.kid).toBe(newKid);

    // A token of the retired key that claims a long life (as only a thief of its
    // private half could make) stops verifying once AccessExpire + ClockLeeway has passed.
    const thief = createJwtSigner({ key: importJwk(oldPrivateJwk, { use: 'sign' }), typ: 'at+jwt' });
    const longLived = thief.sign({ ...decodeJwt(accessToken).payload, exp: Math.floor(clock.now() / 1000) + 86_400 });
    expect(await me(third, longLived)).toEqual({ status: 200, code: null });
    clock.advance((900 + 5) * 1000 + 1_000);
    expect(await me(third, longLived)).toEqual({ status: 401, code: 'ERR_TOKEN_INVALID' });
    const jwks = (await third.request({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([newKid]);

    // The next rotation forgets keys whose window has passed.
    keys('generate');
    keys('rotate', Date.now() + (900 + 5) * 1000 + 1_000);
    expect(readSet().keys.map((k) => k.kid)).not.toContain(oldKid);
    expect(output.every((line) => !line.includes('"d"'))).toBe(true);
  });
});
