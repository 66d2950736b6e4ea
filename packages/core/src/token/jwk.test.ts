import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { generateJwtKey } from './generate-key.js';
import { exportPublicJwk, importJwk, toPublicJwkSet } from './jwk.js';
import { createAsymmetricJwtKey, createSecretJwtKey, jwkThumbprint } from './key.js';
import { createKeyRing } from './key-ring.js';
import { createJwtSigner } from './sign.js';
import { createJwtVerifier } from './verify.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth', 'r', 't'];
const NOW_MS = Date.parse('2030-01-01T00:00:00Z');

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');

/** RFC 7638 §3.1: the example RSA key and its thumbprint. */
const RFC7638_JWK = {
  kty: 'RSA',
  n:
    '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs' +
    'tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5h' +
    'ajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};
const RFC7638_THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

describe('jwkThumbprint', () => {
  it('matches the example of RFC 7638', () => {
    const key = createPublicKey({ key: RFC7638_JWK, format: 'jwk' });
    expect(jwkThumbprint(key)).toBe(RFC7638_THUMBPRINT);
  });

  it('is the default kid of an imported JWK without one', () => {
    const { kid: _, ...withoutKid } = RFC7638_JWK;
    expect(importJwk(withoutKid).kid).toBe(RFC7638_THUMBPRINT);
  });

  it('refuses a secret key', () => {
    expect(() => jwkThumbprint(createSecretJwtKey({ secret: 'x'.repeat(32) }).key)).toThrow(TypeError);
  });
});

describe('exportPublicJwk', () => {
  it.each([
    ['RS256', rsa.privateKey, 'RSA', ['n', 'e']],
    ['PS256', rsa.privateKey, 'RSA', ['n', 'e']],
    ['ES256', ec.privateKey, 'EC', ['crv', 'x', 'y']],
    ['EdDSA', ed.privateKey, 'OKP', ['crv', 'x']],
  ] as const)('publishes only the public members of a private %s key', (alg, privateKey, kty, members) => {
    const key = createAsymmetricJwtKey({ key: privateKey, alg, kid: 'k1' });
    const jwk = exportPublicJwk(key);
    expect(Object.keys(jwk).sort()).toEqual([...members, 'kty', 'kid', 'alg', 'use'].sort());
    expect(jwk).toMatchObject({ kty, kid: 'k1', alg, use: 'sig' });
    for (const member of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(member);
    // What was published verifies what the private key signed.
    const token = createJwtSigner({ key }).sign({ exp: NOW_MS / 1000 + 60 });
    const verifier = createJwtVerifier({ keys: [importJwk(jwk)], clock: createManualClock(NOW_MS) });
    expect(verifier.verify(token).key.kid).toBe('k1');
  });

  it('refuses to publish an HMAC secret', () => {
    expect(() => exportPublicJwk(createSecretJwtKey({ secret: 's'.repeat(64), kid: 'hs' }))).toThrow(/never published/);
  });
});

describe('toPublicJwkSet', () => {
  it('publishes the asymmetric keys of a ring, never its secrets, never a private member', () => {
    const signing = generateJwtKey('ES256', { kid: 'current' });
    const ring = createKeyRing({
      signingKey: signing,
      verificationKeys: [
        generateJwtKey('RS256', { kid: 'rsa-next' }),
        generateJwtKey('EdDSA', { kid: 'ed-previous' }),
        createSecretJwtKey({ secret: 'a-previous-hmac-secret-of-enough-length', kid: 'hs-previous' }),
      ],
    });
    const set = toPublicJwkSet(ring.verificationKeys, NOW_MS);
    expect(set.keys.map((k) => k.kid)).toEqual(['current', 'rsa-next', 'ed-previous']);
    const text = JSON.stringify(set);
    for (const member of PRIVATE_MEMBERS) expect(text).not.toContain(`"${member}"`);
    expect(text).not.toContain(Buffer.from('a-previous-hmac-secret-of-enough-length').toString('base64url'));
  });

  it('leaves out keys whose notAfter has passed, and keeps them until then', () => {
    const retired = createAsymmetricJwtKey({ key: ec.publicKey, alg: 'ES256', kid: 'old', notAfter: NOW_MS });
    expect(toPublicJwkSet([retired], NOW_MS).keys).toHaveLength(1);
    expect(toPublicJwkSet([retired], NOW_MS + 1).keys).toHaveLength(0);
  });
});

describe('importJwk', () => {
  const ecJwk = { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES256', use: 'sig' };

  it('imports a public EC key bound to its alg and kid', () => {
    const key = importJwk(ecJwk);
    expect([key.kid, key.alg, key.key.type]).toEqual(['ec-1', 'ES256', 'public']);
  });

  it('imports only the public half of a JWK that carries private members', () => {
    const leaked = { ...ec.privateKey.export({ format: 'jwk' }), kid: 'leaked', alg: 'ES256' };
    expect(importJwk(leaked).key.type).toBe('public');
  });

  it('imports the private half when asked to, for a signing key', () => {
    const jwk = { ...ed.privateKey.export({ format: 'jwk' }), kid: 'ed', alg: 'EdDSA' };
    expect(importJwk(jwk, { use: 'sign' }).key.type).toBe('private');
    expect(() => importJwk(ecJwk, { use: 'sign' })).toThrow(/private/);
  });

  it('refuses symmetric JWKs, so a key set can never hand out an HMAC secret', () => {
    const oct = { kty: 'oct', k: Buffer.alloc(32, 1).toString('base64url'), alg: 'HS256', kid: 'hs' };
    expect(() => importJwk(oct)).toThrow(/oct/);
    expect(() => importJwk(oct, { use: 'sign' })).toThrow(/oct/);
  });

  it('refuses JWKs that are not for signatures', () => {
    expect(() => importJwk({ ...ecJwk, use: 'enc' })).toThrow(/use/);
    expect(() => importJwk({ ...ecJwk, key_ops: ['encrypt'] })).toThrow(/key_ops/);
    expect(importJwk({ ...ecJwk, key_ops: ['verify'] }).alg).toBe('ES256');
  });

  it('refuses a JWK whose alg disagrees with the one asked for, or is not supported', () => {
    expect(() => importJwk(ecJwk, { alg: 'EdDSA' })).toThrow(/ES256/);
    expect(() => importJwk({ ...ecJwk, alg: 'HS256' })).toThrow(TypeError);
    expect(() => importJwk({ ...ecJwk, alg: 'none' })).toThrow(TypeError);
    expect(() => importJwk({ ...ecJwk, alg: 'ES384' })).toThrow(TypeError);
  });

  it('refuses a JWK whose alg does not fit its key type', () => {
    expect(() => importJwk({ ...ecJwk, alg: 'RS256' })).toThrow(TypeError);
    expect(() => importJwk({ ...rsa.publicKey.export({ format: 'jwk' }), alg: 'ES256' })).toThrow(TypeError);
  });

  it('needs an alg for an RSA key, which fits both RS256 and PS256, and infers it for P-256 and Ed25519', () => {
    const rsaJwk = rsa.publicKey.export({ format: 'jwk' });
    expect(() => importJwk(rsaJwk)).toThrow(/RS256 and PS256/);
    expect(importJwk(rsaJwk, { alg: 'PS256' }).alg).toBe('PS256');
    expect(importJwk(ec.publicKey.export({ format: 'jwk' })).alg).toBe('ES256');
    expect(importJwk(ed.publicKey.export({ format: 'jwk' })).alg).toBe('EdDSA');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
    expect(() => importJwk(p384)).toThrow(TypeError);
  });

  it('refuses malformed JWKs with a TypeError that quotes no key material', () => {
    const bad: unknown[] = [
      null,
      'ES256',
      [ecJwk],
      {},
      { kty: 'EC' },
      { ...ecJwk, x: 'not-a-coordinate' },
      { ...ecJwk, crv: 'P-521' },
      { ...ecJwk, kid: 42 },
      { ...ecJwk, kid: '../../etc/passwd' },
      { kty: 'RSA', n: 'AQAB', e: 'AQAB', alg: 'RS256' },
    ];
    for (const jwk of bad) {
      expect(() => importJwk(jwk), JSON.stringify(jwk)).toThrow(TypeError);
      try {
        importJwk(jwk);
      } catch (error) {
        expect((error as Error).message).not.toContain(ecJwk.x);
      }
    }
  });
});

describe('createKeyRing', () => {
  it('puts the signing key first, then the keys that only verify', () => {
    const current = generateJwtKey('ES256', { kid: 'current' });
    const previous = createSecretJwtKey({ secret: 'p'.repeat(32), kid: 'previous' });
    const ring = createKeyRing({ signingKey: current, verificationKeys: [current, previous] });
    expect(ring.signingKey).toBe(current);
    expect(ring.verificationKeys).toEqual([current, previous]);
    expect(Object.isFrozen(ring.verificationKeys)).toBe(true);
  });

  it('refuses two keys with the same kid', () => {
    const current = generateJwtKey('ES256', { kid: 'same' });
    expect(() =>
      createKeyRing({ signingKey: current, verificationKeys: [generateJwtKey('EdDSA', { kid: 'same' })] }),
    ).toThrow(/same/);
  });

  it('refuses a signing key that cannot sign or that is set to expire', () => {
    expect(() => createKeyRing({ signingKey: createAsymmetricJwtKey({ key: ec.publicKey, alg: 'ES256' }) })).toThrow(
      TypeError,
    );
    const expiring = createAsymmetricJwtKey({ key: ec.privateKey, alg: 'ES256', notAfter: NOW_MS });
    expect(() => createKeyRing({ signingKey: expiring })).toThrow(/notAfter/);
  });
});
