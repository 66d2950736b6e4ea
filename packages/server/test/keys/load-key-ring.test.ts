import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createJwtSigner,
  createJwtVerifier,
  createManualClock,
  createSecretJwtKey,
  generateJwtKey,
} from '@jwtgate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { KEY_SET_FORMAT, type KeySetEntry, writeKeySetFile } from '../../src/keys/key-set-file.js';
import { loadKeyRing } from '../../src/keys/load-key-ring.js';
import { problemsOf } from '../support/config-problems.js';
import { signHmacJwt } from '../support/sign-token.js';
import { makeTempDir } from '../support/temp-dir.js';

const ACCESS_SECRET = 'key-ring-access-secret-0123456789abcdefgh';
const OLD_SECRET = 'key-ring-previous-secret-0123456789abcdef';
const REFRESH_SECRET = 'key-ring-refresh-secret-0123456789abcdefg';
const NOW = Date.parse('2030-01-01T00:00:00Z');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

function entry(alg: 'ES256' | 'EdDSA' | 'RS256', kid: string, status: KeySetEntry['status'], extra = {}): KeySetEntry {
  const key = generateJwtKey(alg, { kid });
  const jwk = key.key.export({ format: 'jwk' }) as Record<string, unknown>;
  return { kid, alg, status, createdAt: new Date(NOW - 86_400_000).toISOString(), jwk: { ...jwk, kid, alg }, ...extra };
}

describe('loadKeyRing', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir('jwtgate-keys-');
  });
  afterEach(() => dir.remove());

  const write = (name: string, text: string) => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  };
  const configWith = (env: Record<string, string>) =>
    loadConfig({ env: { JWTGATE_AUTH_REFRESH_SECRET: REFRESH_SECRET, ...env }, cwd: dir.path });
  const ringWith = (env: Record<string, string>) => loadKeyRing(configWith(env), NOW);

  describe('with secrets', () => {
    it('signs with AccessSecret and verifies the previous secrets too', () => {
      const ring = ringWith({
        JWTGATE_AUTH_ACCESS_SECRET: ACCESS_SECRET,
        JWTGATE_AUTH_PREVIOUS_ACCESS_SECRETS: OLD_SECRET,
      });
      expect(ring.signingKey).toMatchObject({ alg: 'HS256', kid: createSecretJwtKey({ secret: ACCESS_SECRET }).kid });
      const old = createSecretJwtKey({ secret: OLD_SECRET });
      const token = createJwtSigner({ key: old }).sign({ exp: NOW / 1000 + 60 });
      const verifier = createJwtVerifier({ keys: ring.verificationKeys, clock: createManualClock(NOW) });
      expect(verifier.verify(token).key.kid).toBe(old.kid);
      // go-zero tokens name no kid: the previous secret is still a candidate for HS256.
      const goZero = signHmacJwt({ alg: 'HS256', typ: 'JWT' }, { exp: NOW / 1000 + 60, userId: 1 }, OLD_SECRET);
      expect(verifier.verify(goZero).key.kid).toBe(old.kid);
    });

    it('binds previous secrets to the HMAC algorithm that signs', () => {
      const long = 'x'.repeat(64);
      const ring = ringWith({
        JWTGATE_AUTH_ACCESS_SECRET: 'y'.repeat(64),
        JWTGATE_AUTH_ACCESS_ALGORITHM: 'HS512',
        JWTGATE_AUTH_PREVIOUS_ACCESS_SECRETS: long,
      });
      expect(ring.verificationKeys.map((key) => key.alg)).toEqual(['HS512', 'HS512']);
    });

    it('refuses previous secrets that are short, repeated, or the current or refresh secret, without quoting them', () => {
      const problems = problemsOf(() =>
        configWith({
          JWTGATE_AUTH_ACCESS_SECRET: ACCESS_SECRET,
          JWTGATE_AUTH_PREVIOUS_ACCESS_SECRETS: `short-one,${ACCESS_SECRET},${REFRESH_SECRET},${OLD_SECRET},${OLD_SECRET}`,
        }),
      );
      expect(problems).toEqual([
        'Auth.PreviousAccessSecrets: entry 1 is 9 bytes; HS256 needs at least 32',
        'Auth.PreviousAccessSecrets: entry 2 is the current Auth.AccessSecret',
        'Auth.PreviousAccessSecrets: entry 3 must differ from Auth.RefreshSecret',
        'Auth.PreviousAccessSecrets: entry 5 repeats an earlier entry',
      ]);
      expect(problems.join('\n')).not.toContain('short-one');
    });

    it('refuses an asymmetric AccessAlgorithm without a KeyFile', () => {
      const problems = problemsOf(() =>
        configWith({ JWTGATE_AUTH_ACCESS_SECRET: ACCESS_SECRET, JWTGATE_AUTH_ACCESS_ALGORITHM: 'ES256' }),
      );
      expect(problems).toEqual([expect.stringContaining('Auth.AccessAlgorithm: ES256 signs with a private key')]);
    });
  });

  describe('with a PEM or JWK key file', () => {
    it('signs with a P-256 key in PEM, inferring ES256 and taking its thumbprint as kid', () => {
      const path = write('signing.pem', ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
      const ring = ringWith({ JWTGATE_AUTH_KEY_FILE: path });
      expect(ring.signingKey.alg).toBe('ES256');
      expect(ring.signingKey.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(ring.verificationKeys).toHaveLength(1);
    });

    it('needs AccessAlgorithm for an RSA key in PEM, and uses it', () => {
      const path = write('rsa.pem', rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
      expect(problemsOf(() => ringWith({ JWTGATE_AUTH_KEY_FILE: path }))).toEqual([
        expect.stringMatching(/^Auth\.KeyFile: .*rsa\.pem: an RSA key fits both RS256 and PS256/),
      ]);
      const ring = ringWith({ JWTGATE_AUTH_KEY_FILE: path, JWTGATE_AUTH_ACCESS_ALGORITHM: 'PS256' });
      expect(ring.signingKey.alg).toBe('PS256');
    });

    it('signs with a private JWK, keeping its kid, and takes AccessKeyId over it', () => {
      const jwk = { ...ec.privateKey.export({ format: 'jwk' }), kid: 'from-jwk', alg: 'ES256' };
      const path = write('signing.jwk', JSON.stringify(jwk));
      expect(ringWith({ JWTGATE_AUTH_KEY_FILE: path }).signingKey.kid).toBe('from-jwk');
      expect(ringWith({ JWTGATE_AUTH_KEY_FILE: path, JWTGATE_AUTH_ACCESS_KEY_ID: 'configured' }).signingKey.kid).toBe(
        'configured',
      );
    });

    it('refuses a public key as the signing key', () => {
      const path = write('public.pem', ec.publicKey.export({ type: 'spki', format: 'pem' }) as string);
      expect(problemsOf(() => ringWith({ JWTGATE_AUTH_KEY_FILE: path }))).toEqual([
        expect.stringMatching(/^the key ring: ES256 signs with a private key, got a public key/),
      ]);
    });

    it('verifies with previous key files, public or private, PEM or JWK', () => {
      const signing = write('signing.pem', ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
      const oldEd = generateKeyPairSync('ed25519');
      const oldPem = write('old-ed.pem', oldEd.publicKey.export({ type: 'spki', format: 'pem' }) as string);
      const oldJwk = write('old-rsa.jwk', JSON.stringify({ ...rsa.publicKey.export({ format: 'jwk' }), alg: 'RS256' }));
      const ring = ringWith({ JWTGATE_AUTH_KEY_FILE: signing, JWTGATE_AUTH_PREVIOUS_KEY_FILES: `${oldPem},${oldJwk}` });
      expect(ring.verificationKeys.map((key) => key.alg)).toEqual(['ES256', 'EdDSA', 'RS256']);
    });

    it('refuses AccessSecret next to a KeyFile, and an HMAC AccessAlgorithm with it', () => {
      const path = write('signing.pem', ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
      const problems = problemsOf(() =>
        configWith({
          JWTGATE_AUTH_KEY_FILE: path,
          JWTGATE_AUTH_ACCESS_SECRET: ACCESS_SECRET,
          JWTGATE_AUTH_ACCESS_ALGORITHM: 'HS256',
        }),
      );
      expect(problems).toEqual([
        expect.stringContaining('Auth.AccessAlgorithm: HS256 signs with Auth.AccessSecret, not with Auth.KeyFile'),
        expect.stringContaining(
          'Auth.AccessSecret: not used when Auth.KeyFile signs; move it to Auth.PreviousAccessSecrets',
        ),
      ]);
    });

    it('needs no AccessSecret in production when a KeyFile signs', () => {
      const path = write('signing.pem', ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
      const config = configWith({ NODE_ENV: 'production', JWTGATE_AUTH_KEY_FILE: path });
      expect(config.auth.accessSecret).toBeUndefined();
      expect(loadKeyRing(config, NOW).signingKey.alg).toBe('ES256');
      expect(problemsOf(() => configWith({ NODE_ENV: 'production' }))).toEqual([
        expect.stringContaining('Auth.AccessSecret: required in production'),
      ]);
    });

    it.each([
      ['a missing file', () => join('/nonexistent', 'keys.json'), /does not exist/],
      ['a file that is neither PEM nor JSON', (w: typeof write) => w('x.key', 'hello'), /neither PEM nor JSON/],
      ['an HMAC JWK', (w: typeof write) => w('oct.jwk', '{"kty":"oct","k":"c2VjcmV0"}'), /oct/],
      ['a truncated PEM', (w: typeof write) => w('bad.pem', '-----BEGIN PRIVATE KEY-----\nMIGH\n'), /cannot be read/],
    ])('names the setting and the file for %s', (_, make, message) => {
      const path = make(write);
      const problems = problemsOf(() => ringWith({ JWTGATE_AUTH_KEY_FILE: path }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^Auth\.KeyFile: /);
      expect(problems[0]).toContain(path);
      expect(problems[0]).toMatch(message);
    });
  });

  describe('with a key set', () => {
    const window = (900 + 5) * 1000;

    it('signs with the current key and verifies the next key and previous keys within their window', () => {
      const retiredRecently = new Date(NOW - window + 1000).toISOString();
      const retiredLongAgo = new Date(NOW - window - 1000).toISOString();
      const path = join(dir.path, 'keys.json');
      writeKeySetFile(path, {
        format: KEY_SET_FORMAT,
        keys: [
          entry('ES256', 'current', 'current'),
          entry('EdDSA', 'next', 'next'),
          entry('RS256', 'recent', 'previous', { retiredAt: retiredRecently }),
          entry('ES256', 'expired', 'previous', { retiredAt: retiredLongAgo }),
        ],
      });
      const ring = ringWith({ JWTGATE_AUTH_KEY_FILE: path });
      expect(ring.signingKey.kid).toBe('current');
      expect(ring.verificationKeys.map((key) => key.kid)).toEqual(['current', 'next', 'recent']);
      const recent = ring.verificationKeys[2];
      expect(recent?.notAfter).toBe(NOW + 1000);
      expect(recent?.key.type).toBe('public');
    });

    it('refuses a key set without exactly one current key, or with two next keys', () => {
      const path = join(dir.path, 'keys.json');
      writeFileSync(
        path,
        JSON.stringify({
          format: KEY_SET_FORMAT,
          keys: [entry('ES256', 'a', 'next'), entry('ES256', 'b', 'next'), entry('ES256', 'b', 'previous')],
        }),
      );
      const [problem] = problemsOf(() => ringWith({ JWTGATE_AUTH_KEY_FILE: path }));
      expect(problem).toContain('key 3: the kid "b" is used twice');
      expect(problem).toContain('key 3: a previous key needs "retiredAt"');
      expect(problem).toContain('exactly one key must be "current", found 0');
      expect(problem).toContain('at most one key can be "next"');
    });

    it('refuses a key set whose current key is only a public key, without quoting it', () => {
      const current = entry('ES256', 'current', 'current');
      const { d, ...publicJwk } = current.jwk as Record<string, unknown>;
      const path = join(dir.path, 'keys.json');
      writeKeySetFile(path, { format: KEY_SET_FORMAT, keys: [{ ...current, jwk: publicJwk }] });
      const [problem] = problemsOf(() => ringWith({ JWTGATE_AUTH_KEY_FILE: path }));
      expect(problem).toMatch(/key "current": the EC JWK is not a valid private key/);
      expect(problem).not.toContain(String(publicJwk.x));
      expect(problem).not.toContain(String(d));
    });

    it('refuses AccessKeyId with a key set, and an AccessAlgorithm that differs from the current key', () => {
      const path = join(dir.path, 'keys.json');
      writeKeySetFile(path, { format: KEY_SET_FORMAT, keys: [entry('ES256', 'current', 'current')] });
      expect(problemsOf(() => ringWith({ JWTGATE_AUTH_KEY_FILE: path, JWTGATE_AUTH_ACCESS_KEY_ID: 'k' }))).toEqual([
        expect.stringContaining('a key set names its own key ids; unset Auth.AccessKeyId'),
      ]);
      expect(
        problemsOf(() => ringWith({ JWTGATE_AUTH_KEY_FILE: path, JWTGATE_AUTH_ACCESS_ALGORITHM: 'EdDSA' })),
      ).toEqual([expect.stringContaining('its current key is ES256, not EdDSA')]);
    });
  });
});
