import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createJwtVerifier, createManualClock, generateJwtKey, importJwk } from '@jwtgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { KEY_SET_FORMAT, type KeySetEntry, writeKeySetFile } from '../../src/keys/key-set-file.js';
import { makeTempDir } from '../support/temp-dir.js';
import { decodeJwt, startTestServer, type TestServer } from '../support/test-server.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];
const PREVIOUS_SECRET = 'a-previous-hmac-secret-that-must-stay-private';

function entry(alg: 'ES256' | 'EdDSA' | 'RS256' | 'PS256', kid: string, status: KeySetEntry['status'], extra = {}) {
  const jwk = generateJwtKey(alg, { kid }).key.export({ format: 'jwk' }) as Record<string, unknown>;
  return { kid, alg, status, createdAt: new Date().toISOString(), jwk: { ...jwk, kid, alg }, ...extra } as KeySetEntry;
}

describe('GET /.well-known/jwks.json', () => {
  const servers: TestServer[] = [];
  const dirs: ReturnType<typeof makeTempDir>[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    for (const dir of dirs.splice(0)) dir.remove();
  });
  async function start(env: Record<string, string>, clock?: ReturnType<typeof createManualClock>) {
    const t = await startTestServer({ env, ...(clock === undefined ? {} : { clock }) });
    servers.push(t);
    return t;
  }
  function keyDir() {
    const dir = makeTempDir('jwtgate-jwks-');
    dirs.push(dir);
    return dir.path;
  }

  it('is an empty set, cacheable, when only HMAC secrets sign and verify', async () => {
    const t = await start({ JWTGATE_AUTH_PREVIOUS_ACCESS_SECRETS: PREVIOUS_SECRET });
    const res = await t.request({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ keys: [] });
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(res.body).not.toContain(Buffer.from(PREVIOUS_SECRET).toString('base64url'));
  });

  it('publishes the current, next and previous public keys and never a private member or a secret', async () => {
    const path = join(keyDir(), 'keys.json');
    writeKeySetFile(path, {
      format: KEY_SET_FORMAT,
      keys: [
        entry('ES256', 'current', 'current'),
        entry('RS256', 'next', 'next'),
        // A previous entry written by hand with its private half still in it.
        entry('EdDSA', 'previous', 'previous', { retiredAt: new Date().toISOString() }),
      ],
    });
    const pss = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pssFile = join(keyDir(), 'old-pss.jwk');
    writeFileSync(pssFile, JSON.stringify({ ...pss.privateKey.export({ format: 'jwk' }), alg: 'PS256', kid: 'pss' }));
    const t = await start({
      JWTGATE_AUTH_ACCESS_SECRET: '',
      JWTGATE_AUTH_KEY_FILE: path,
      JWTGATE_AUTH_PREVIOUS_KEY_FILES: pssFile,
      JWTGATE_AUTH_PREVIOUS_ACCESS_SECRETS: PREVIOUS_SECRET,
      JWTGATE_JWKS_MAX_AGE: '60',
    });
    const res = await t.request({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const { keys } = res.json() as { keys: Record<string, unknown>[] };
    expect(keys.map((k) => [k.kid, k.alg, k.kty, k.use])).toEqual([
      ['current', 'ES256', 'EC', 'sig'],
      ['next', 'RS256', 'RSA', 'sig'],
      ['previous', 'EdDSA', 'OKP', 'sig'],
      ['pss', 'PS256', 'RSA', 'sig'],
    ]);
    for (const key of keys) {
      for (const member of PRIVATE_MEMBERS) expect(key, `${String(key.kid)} ${member}`).not.toHaveProperty(member);
    }
    for (const member of PRIVATE_MEMBERS) expect(res.body).not.toContain(`"${member}"`);
    expect(res.body).not.toContain(Buffer.from(PREVIOUS_SECRET).toString('base64url'));
    expect(res.body).not.toContain(Buffer.from(PREVIOUS_SECRET).toString('base64'));
  });

  it('lets a verifier that knows only the JWKS verify the access tokens the server issues', async () => {
    const path = join(keyDir(), 'keys.json');
    writeKeySetFile(path, { format: KEY_SET_FORMAT, keys: [entry('EdDSA', 'ed-1', 'current')] });
    const t = await start({ JWTGATE_AUTH_ACCESS_SECRET: '', JWTGATE_AUTH_KEY_FILE: path });
    const { accessToken } = await t.signUp();
    expect(decodeJwt(accessToken).header).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: 'ed-1' });
    const jwks = (await t.request({ method: 'GET', url: '/.well-known/jwks.json' })).json() as { keys: unknown[] };
    const verifier = createJwtVerifier({
      keys: jwks.keys.map((jwk) => importJwk(jwk)),
      issuer: 'jwtgate',
      audience: 'jwtgate',
      typ: 'at+jwt',
    });
    expect(verifier.verify(accessToken).claims.sub).toBe(decodeJwt(accessToken).payload.sub);
    expect((await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(200);
  });

  it('answers 304 to a revalidation with the current ETag, and 200 to a stale one', async () => {
    const t = await start({});
    const first = await t.request({ method: 'GET', url: '/.well-known/jwks.json' });
    const etag = first.headers.etag as string;
    const again = await t.request({ method: 'GET', url: '/.well-known/jwks.json', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toBe('public, max-age=300');
    const weak = await t.request({
      method: 'GET',
      url: '/.well-known/jwks.json',
      headers: { 'if-none-match': `"other", W/${etag}` },
    });
    expect(weak.statusCode).toBe(304);
    const stale = await t.request({
      method: 'GET',
      url: '/.well-known/jwks.json',
      headers: { 'if-none-match': '"x"' },
    });
    expect(stale.statusCode).toBe(200);
  });

  it('drops a previous key once its tokens can all have expired, and changes its ETag', async () => {
    const clock = createManualClock(Date.now());
    const path = join(keyDir(), 'keys.json');
    writeKeySetFile(path, {
      format: KEY_SET_FORMAT,
      keys: [
        entry('ES256', 'current', 'current'),
        entry('ES256', 'old', 'previous', { retiredAt: new Date(clock.now()).toISOString() }),
      ],
    });
    const t = await start({ JWTGATE_AUTH_ACCESS_SECRET: '', JWTGATE_AUTH_KEY_FILE: path }, clock);
    const before = await t.request({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(before.json().keys.map((k: { kid: string }) => k.kid)).toEqual(['current', 'old']);
    clock.advance((900 + 5) * 1000 + 1);
    const after = await t.request({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(after.json().keys.map((k: { kid: string }) => k.kid)).toEqual(['current']);
    expect(after.headers.etag).not.toBe(before.headers.etag);
  });
});
