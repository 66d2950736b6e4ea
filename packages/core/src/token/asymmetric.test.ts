import {
  constants,
  createHmac,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { refusal } from '../../test/support/refusal.js';
import { createManualClock } from '../clock.js';
import type { AuthError } from '../errors/auth-error.js';
import { type AsymmetricAlgorithm, getAlgorithm, type JwsAlgorithm } from './algorithms.js';
import { generateJwtKey } from './generate-key.js';
import { createAsymmetricJwtKey, createSecretJwtKey, type JwtKey, publicKeyOf } from './key.js';
import { createJwtSigner } from './sign.js';
import { createJwtVerifier } from './verify.js';

const NOW_MS = Date.parse('2030-01-01T00:00:00Z');
const NOW = NOW_MS / 1000;
const ASYMMETRIC: readonly AsymmetricAlgorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const privateKeys: Readonly<Record<AsymmetricAlgorithm, KeyObject>> = {
  RS256: rsa.privateKey,
  PS256: rsa.privateKey,
  ES256: ec.privateKey,
  EdDSA: ed.privateKey,
};

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function claims(overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return { iss: 'jwtgate', aud: 'api', sub: 'user-1', iat: NOW, exp: NOW + 600, ...overrides };
}

function hmacToken(header: Readonly<Record<string, unknown>>, payload: unknown, secret: Uint8Array | string): string {
  const input = `${encode(header)}.${encode(payload)}`;
  const hash = header.alg === 'HS512' ? 'sha512' : header.alg === 'HS384' ? 'sha384' : 'sha256';
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

/** The signing key of `alg` and a verifier that knows only its public half. */
function setup(alg: AsymmetricAlgorithm, kid = `${alg.toLowerCase()}-1`) {
  const signingKey = createAsymmetricJwtKey({ key: privateKeys[alg], alg, kid });
  const publicKey = createAsymmetricJwtKey({ key: createPublicKey(privateKeys[alg]), alg, kid });
  const verifier = createJwtVerifier({
    keys: [publicKey],
    issuer: 'jwtgate',
    audience: 'api',
    clock: createManualClock(NOW_MS),
  });
  return { signingKey, publicKey, verifier, signer: createJwtSigner({ key: signingKey, typ: 'at+jwt' }) };
}

function withSignature(token: string, signature: Uint8Array | string): string {
  const [header, payload] = token.split('.');
  const encoded = typeof signature === 'string' ? signature : Buffer.from(signature).toString('base64url');
  return `${header}.${payload}.${encoded}`;
}

describe('asymmetric algorithms', () => {
  describe.each(ASYMMETRIC)('%s', (alg) => {
    it('signs with the private key and verifies with the public key alone', () => {
      const { signer, verifier, publicKey } = setup(alg);
      const result = verifier.verify(signer.sign(claims()));
      expect(result.claims.sub).toBe('user-1');
      expect(result.key).toBe(publicKey);
      expect(result.header).toEqual({ alg, typ: 'at+jwt', kid: `${alg.toLowerCase()}-1` });
    });

    it('verifies with the private key too, as the issuer does with its own ring', () => {
      const { signer, signingKey } = setup(alg);
      const verifier = createJwtVerifier({ keys: [signingKey], clock: createManualClock(NOW_MS) });
      expect(verifier.verify(signer.sign(claims())).key).toBe(signingKey);
    });

    it('refuses a token whose payload was changed after signing', () => {
      const { signer, verifier } = setup(alg);
      const [header, , signature] = signer.sign(claims()).split('.');
      expect(refusal(() => verifier.verify(`${header}.${encode(claims({ sub: 'admin' }))}.${signature}`)).reason).toBe(
        'signature',
      );
    });

    it('refuses a token signed by another key of the same type', () => {
      const { verifier } = setup(alg);
      const other = generateJwtKey(alg, { kid: `${alg.toLowerCase()}-1` });
      const token = createJwtSigner({ key: other, typ: 'at+jwt' }).sign(claims());
      expect(refusal(() => verifier.verify(token)).reason).toBe('signature');
    });

    it('refuses a non-canonical base64url spelling of a genuine signature', () => {
      const { signer, verifier } = setup(alg);
      const token = signer.sign(claims());
      const signature = token.split('.')[2] as string;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = signature.at(-1) as string;
      const spelled = signature.slice(0, -1) + alphabet[alphabet.indexOf(last) | 1];
      // RSA-2048 and 64-byte signatures both leave unused bits in the last character.
      expect(spelled).not.toBe(signature);
      expect(Buffer.from(spelled, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
      expect(verifier.verify(token).claims.sub).toBe('user-1');
      expect(refusal(() => verifier.verify(withSignature(token, spelled))).reason).toBe('signature');
    });

    it.each([
      ['empty', Buffer.alloc(0)],
      ['all zeros', Buffer.alloc(64)],
      ['all zeros at the RSA length', Buffer.alloc(256)],
      ['one byte', Buffer.alloc(1, 1)],
      ['4 kB of ones', Buffer.alloc(4096, 0xff)],
    ])('refuses a signature that is %s', (_, bytes) => {
      const { signer, verifier } = setup(alg);
      const token = withSignature(signer.sign(claims()), bytes);
      const reason = refusal(() => verifier.verify(token)).reason;
      expect(['signature', 'segments']).toContain(reason);
    });

    it('refuses a genuine signature with a byte appended or removed', () => {
      const { signer, verifier } = setup(alg);
      const token = signer.sign(claims());
      const bytes = Buffer.from(token.split('.')[2] as string, 'base64url');
      for (const changed of [Buffer.concat([bytes, Buffer.alloc(1)]), bytes.subarray(0, -1)]) {
        expect(refusal(() => verifier.verify(withSignature(token, changed))).reason).toBe('signature');
      }
    });

    it.each(['none', 'None', 'NONE', 'nOnE'])('refuses alg %s, signed or not', (none) => {
      const { signer, verifier } = setup(alg);
      const [, payload, signature] = signer.sign(claims()).split('.');
      const header = encode({ alg: none, typ: 'at+jwt', kid: `${alg.toLowerCase()}-1` });
      refusal(() => verifier.verify(`${header}.${payload}.`));
      expect(refusal(() => verifier.verify(`${header}.${payload}.${signature}`)).reason).toBe('alg');
    });

    it('refuses a token that embeds its own public key as jwk', () => {
      const { verifier } = setup(alg);
      const attacker = generateJwtKey(alg, { kid: `${alg.toLowerCase()}-1` });
      const jwk = createPublicKey(attacker.key).export({ format: 'jwk' });
      const token = createJwtSigner({ key: attacker }).sign(claims());
      // Re-sign with the jwk member in the header, exactly as the attack would.
      const [, payload] = token.split('.');
      const header = encode({ alg, kid: attacker.kid, jwk });
      const forged = `${header}.${payload}.${getAlgorithm(alg).sign(`${header}.${payload}`, attacker.key)}`;
      expect(refusal(() => verifier.verify(forged)).reason).toBe('header-jwk');
    });
  });

  describe('key ids that are not labels', () => {
    it.each([
      ['path traversal', '../../../../etc/passwd'],
      ['a Windows path', '..\\..\\keys\\signing.pem'],
      ['SQL injection', "' UNION SELECT secret FROM keys --"],
      ['header injection', 'es256-1\r\nX-Injected: yes'],
      ['a NUL byte', 'es256-1\u0000'],
      ['a template probe', '{{7*7}}'],
    ])('refuses a genuinely signed token whose kid is %s, without echoing it', (_, kid) => {
      const { signingKey, verifier } = setup('ES256', 'es256-1');
      const token = createJwtSigner({ key: { ...signingKey, kid } as JwtKey, typ: 'at+jwt' }).sign(claims());
      const error = refusal(() => verifier.verify(token));
      expect(error.reason).toBe('kid');
      expect(error.message).not.toContain(kid);
    });
  });

  describe('ES256 signatures (CVE-2022-21449 and friends)', () => {
    const { signer, verifier } = setup('ES256');
    const token = signer.sign(claims());
    const genuine = Buffer.from(token.split('.')[2] as string, 'base64url');
    const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');

    it('refuses r = s = 0', () => {
      expect(refusal(() => verifier.verify(withSignature(token, Buffer.alloc(64)))).reason).toBe('signature');
    });

    it('refuses r = 0 or s = 0 alongside a genuine other half', () => {
      const zeroR = Buffer.concat([Buffer.alloc(32), genuine.subarray(32)]);
      const zeroS = Buffer.concat([genuine.subarray(0, 32), Buffer.alloc(32)]);
      expect(refusal(() => verifier.verify(withSignature(token, zeroR))).reason).toBe('signature');
      expect(refusal(() => verifier.verify(withSignature(token, zeroS))).reason).toBe('signature');
    });

    it('refuses r = s = n, the group order, which is 0 modulo n', () => {
      expect(refusal(() => verifier.verify(withSignature(token, Buffer.concat([n, n])))).reason).toBe('signature');
    });

    it('refuses the genuine signature in DER form instead of r || s', () => {
      const der = sign('sha256', Buffer.from(token.split('.').slice(0, 2).join('.')), ec.privateKey);
      expect(der.length).not.toBe(64);
      expect(refusal(() => verifier.verify(withSignature(token, der))).reason).toBe('signature');
    });

    it('refuses the genuine signature padded to a longer encoding', () => {
      const padded = Buffer.concat([Buffer.alloc(1), genuine.subarray(0, 32), Buffer.alloc(1), genuine.subarray(32)]);
      expect(refusal(() => verifier.verify(withSignature(token, padded))).reason).toBe('signature');
    });
  });

  describe('HS/RS confusion: the public key used as an HMAC secret', () => {
    const publicForms = (key: KeyObject): [string, Uint8Array | string][] => {
      const publicKey = publicKeyOf(key);
      const der = publicKey.export({ type: 'spki', format: 'der' });
      const jwk = publicKey.export({ format: 'jwk' });
      const forms: [string, Uint8Array | string][] = [
        ['SPKI PEM', publicKey.export({ type: 'spki', format: 'pem' }) as string],
        ['SPKI PEM without its final newline', (publicKey.export({ type: 'spki', format: 'pem' }) as string).trim()],
        ['DER bytes', der],
        ['DER in base64', der.toString('base64')],
        ['DER in base64url', der.toString('base64url')],
        ['JWK JSON', JSON.stringify(jwk)],
      ];
      if (publicKey.asymmetricKeyType === 'rsa') {
        forms.push(['PKCS#1 PEM', publicKey.export({ type: 'pkcs1', format: 'pem' }) as string]);
        forms.push(['raw modulus', Buffer.from(jwk.n as string, 'base64url')]);
      } else if (publicKey.asymmetricKeyType === 'ec') {
        const point = Buffer.concat([
          Buffer.from([4]),
          Buffer.from(jwk.x as string, 'base64url'),
          Buffer.from(jwk.y as string, 'base64url'),
        ]);
        forms.push(['raw uncompressed point', point]);
      } else {
        forms.push(['raw 32-byte key', Buffer.from(jwk.x as string, 'base64url')]);
      }
      return forms;
    };

    describe.each(ASYMMETRIC)('with a %s verifier', (alg) => {
      const kid = `${alg.toLowerCase()}-1`;
      const { verifier, publicKey } = setup(alg, kid);

      it.each(publicForms(publicKey.key))('refuses HS256, HS384 and HS512 tokens keyed with the %s', (_, secret) => {
        for (const hs of ['HS256', 'HS384', 'HS512'] as const) {
          for (const header of [{ alg: hs, typ: 'at+jwt', kid }, { alg: hs, typ: 'at+jwt' }, { alg: hs }]) {
            expect(refusal(() => verifier.verify(hmacToken(header, claims(), secret))).reason).toBe('alg');
          }
        }
      });

      it('refuses them too when the ring also holds an HMAC key of its own', () => {
        const hmacKey = createSecretJwtKey({ secret: 'an-unrelated-secret-of-32-bytes-or-more!', kid: 'hs' });
        const mixed = createJwtVerifier({ keys: [publicKey, hmacKey], clock: createManualClock(NOW_MS) });
        for (const [form, secret] of publicForms(publicKey.key)) {
          // Naming the public key's kid: the kid is bound to the asymmetric alg.
          expect(refusal(() => mixed.verify(hmacToken({ alg: 'HS256', kid }, claims(), secret))).reason, form).toBe(
            'kid',
          );
          // Naming no kid: only the real HMAC key is a candidate, and it does not match.
          expect(refusal(() => mixed.verify(hmacToken({ alg: 'HS256' }, claims(), secret))).reason, form).toBe(
            'signature',
          );
        }
      });
    });

    it('cannot even build such a key: an HMAC algorithm refuses a public or private key', () => {
      for (const key of [rsa.publicKey, rsa.privateKey, ec.publicKey, ed.publicKey]) {
        expect(() => createJwtVerifier({ keys: [{ kid: 'x', alg: 'HS256', key }] })).toThrow(TypeError);
      }
    });
  });

  describe('key checks', () => {
    it('refuses RSA keys shorter than 2048 bits for RS256 and PS256', () => {
      const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
      for (const alg of ['RS256', 'PS256'] as const) {
        expect(() => createAsymmetricJwtKey({ key: weak.privateKey, alg })).toThrow(/at least 2048 bits/);
        expect(() => createAsymmetricJwtKey({ key: weak.publicKey, alg })).toThrow(TypeError);
      }
    });

    it('refuses an EC key on another curve for ES256', () => {
      for (const namedCurve of ['P-384', 'secp256k1']) {
        const { privateKey } = generateKeyPairSync('ec', { namedCurve });
        expect(() => createAsymmetricJwtKey({ key: privateKey, alg: 'ES256' })).toThrow(/P-256/);
      }
    });

    it('refuses Ed448 and X25519 keys for EdDSA', () => {
      expect(() => createAsymmetricJwtKey({ key: generateKeyPairSync('ed448').privateKey, alg: 'EdDSA' })).toThrow(
        TypeError,
      );
      expect(() => createAsymmetricJwtKey({ key: generateKeyPairSync('x25519').privateKey, alg: 'EdDSA' })).toThrow(
        TypeError,
      );
    });

    it('refuses a key of one family bound to another family', () => {
      const cases: [KeyObject, AsymmetricAlgorithm][] = [
        [ec.privateKey, 'RS256'],
        [ed.privateKey, 'ES256'],
        [rsa.privateKey, 'ES256'],
        [rsa.privateKey, 'EdDSA'],
        [ec.publicKey, 'PS256'],
      ];
      for (const [key, alg] of cases) expect(() => createAsymmetricJwtKey({ key, alg })).toThrow(TypeError);
    });

    it('refuses a secret bound to an asymmetric algorithm', () => {
      const secret = createSecretKey(Buffer.alloc(64, 1));
      for (const alg of ASYMMETRIC) {
        expect(() => createJwtVerifier({ keys: [{ kid: 'x', alg, key: secret }] })).toThrow(TypeError);
      }
    });

    it('refuses an RSA-PSS key restricted to another hash for PS256, and accepts one for sha256', () => {
      const restricted = generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha512' });
      expect(() => createAsymmetricJwtKey({ key: restricted.privateKey, alg: 'PS256' })).toThrow(/sha512/);
      const pss = generateKeyPairSync('rsa-pss', {
        modulusLength: 2048,
        hashAlgorithm: 'sha256',
        mgf1HashAlgorithm: 'sha256',
      });
      const key = createAsymmetricJwtKey({ key: pss.privateKey, alg: 'PS256', kid: 'pss' });
      const token = createJwtSigner({ key }).sign(claims());
      const verifier = createJwtVerifier({
        keys: [createAsymmetricJwtKey({ key: pss.publicKey, alg: 'PS256', kid: 'pss' })],
        clock: createManualClock(NOW_MS),
      });
      expect(verifier.verify(token).claims.sub).toBe('user-1');
    });

    it('refuses to sign with a public key', () => {
      const key = createAsymmetricJwtKey({ key: ec.publicKey, alg: 'ES256' });
      expect(() => createJwtSigner({ key })).toThrow(/private key/);
    });

    it('reads private and public keys from PEM text', () => {
      const pem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const sec1 = ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string;
      const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
      const spki = ec.publicKey.export({ type: 'spki', format: 'pem' }) as string;
      expect(createAsymmetricJwtKey({ key: pem, alg: 'ES256' }).key.type).toBe('private');
      expect(createAsymmetricJwtKey({ key: sec1, alg: 'ES256' }).key.type).toBe('private');
      expect(createAsymmetricJwtKey({ key: pkcs1, alg: 'RS256' }).key.type).toBe('private');
      expect(createAsymmetricJwtKey({ key: spki, alg: 'ES256' }).key.type).toBe('public');
    });

    it('refuses text that is not a PEM key, or an encrypted one, without quoting it', () => {
      const encrypted = ec.privateKey.export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: 'pass phrase',
      }) as string;
      for (const text of [
        'not a key at all',
        '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----',
        encrypted,
      ]) {
        expect(() => createAsymmetricJwtKey({ key: text, alg: 'ES256' })).toThrow(TypeError);
        try {
          createAsymmetricJwtKey({ key: text, alg: 'ES256' });
        } catch (error) {
          expect((error as Error).message).not.toContain(text.slice(30, 60) || text);
        }
      }
    });

    it('derives the kid from the RFC 7638 thumbprint, the same for the private and public halves', () => {
      const fromPrivate = createAsymmetricJwtKey({ key: ec.privateKey, alg: 'ES256' });
      const fromPublic = createAsymmetricJwtKey({ key: ec.publicKey, alg: 'ES256' });
      expect(fromPrivate.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(fromPublic.kid).toBe(fromPrivate.kid);
      expect(createAsymmetricJwtKey({ key: ed.publicKey, alg: 'EdDSA' }).kid).not.toBe(fromPrivate.kid);
    });

    it('refuses a kid that is not a plain label', () => {
      for (const kid of ['../keys/evil', "' OR 1=1 --", 'a b', '']) {
        expect(() => createAsymmetricJwtKey({ key: ec.privateKey, alg: 'ES256', kid })).toThrow(TypeError);
      }
    });
  });

  describe('keys rotated out', () => {
    it('verify until their notAfter time and refuse from then on', () => {
      const clock = createManualClock(NOW_MS);
      const retired = createAsymmetricJwtKey({
        key: ec.privateKey,
        alg: 'ES256',
        kid: 'old',
        notAfter: NOW_MS + 60_000,
      });
      const token = createJwtSigner({ key: retired }).sign(claims({ exp: NOW + 3600 }));
      const verifier = createJwtVerifier({ keys: [retired], clock });
      clock.advance(60_000);
      expect(verifier.verify(token).key).toBe(retired);
      clock.advance(1);
      expect(refusal(() => verifier.verify(token)).reason).toBe('key-retired');
    });

    it('apply to HMAC keys as well', () => {
      const clock = createManualClock(NOW_MS);
      const secret = 'a-previous-secret-that-is-long-enough-0123';
      const retired = createSecretJwtKey({ secret, kid: 'old', notAfter: NOW_MS });
      const verifier = createJwtVerifier({ keys: [retired], clock });
      const token = hmacToken({ alg: 'HS256', kid: 'old' }, claims(), secret);
      expect(verifier.verify(token).key).toBe(retired);
      clock.advance(1);
      expect(refusal(() => verifier.verify(token)).reason).toBe('key-retired');
    });
  });

  describe('generateJwtKey', () => {
    it.each(['HS256', 'HS384', 'HS512', ...ASYMMETRIC] as JwsAlgorithm[])(
      'makes a %s key that signs tokens its verifier accepts',
      (alg) => {
        const key = generateJwtKey(alg);
        const token = createJwtSigner({ key }).sign(claims());
        expect(createJwtVerifier({ keys: [key], clock: createManualClock(NOW_MS) }).verify(token).key).toBe(key);
      },
    );

    it('makes a different key each time', () => {
      expect(generateJwtKey('ES256').kid).not.toBe(generateJwtKey('ES256').kid);
      expect(generateJwtKey('HS256').kid).not.toBe(generateJwtKey('HS256').kid);
    });

    it('uses PSS padding for PS256 and PKCS#1 v1.5 for RS256', () => {
      const input = 'header.payload';
      const pss = getAlgorithm('PS256').sign(input, rsa.privateKey);
      const pkcs1 = getAlgorithm('RS256').sign(input, rsa.privateKey);
      // PSS is randomised; PKCS#1 v1.5 is deterministic.
      expect(getAlgorithm('PS256').sign(input, rsa.privateKey)).not.toBe(pss);
      expect(getAlgorithm('RS256').sign(input, rsa.privateKey)).toBe(pkcs1);
      expect(getAlgorithm('PS256').verify(input, pkcs1, rsa.publicKey)).toBe(false);
      expect(getAlgorithm('RS256').verify(input, pss, rsa.publicKey)).toBe(false);
      const salted = sign('sha256', Buffer.from(input), {
        key: rsa.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      });
      expect(getAlgorithm('PS256').verify(input, salted.toString('base64url'), rsa.publicKey)).toBe(true);
    });
  });

  it('gives every algorithm a key check that refuses keys of every other family', () => {
    const keys: [string, KeyObject][] = [
      ['secret', createSecretKey(Buffer.alloc(64, 7))],
      ['rsa', rsa.publicKey],
      ['ec', ec.publicKey],
      ['ed25519', ed.publicKey],
    ];
    const accepts: Readonly<Record<JwsAlgorithm, string>> = {
      HS256: 'secret',
      HS384: 'secret',
      HS512: 'secret',
      RS256: 'rsa',
      PS256: 'rsa',
      ES256: 'ec',
      EdDSA: 'ed25519',
    };
    for (const [alg, family] of Object.entries(accepts) as [JwsAlgorithm, string][]) {
      for (const [name, key] of keys) {
        const check = () => getAlgorithm(alg).assertKey(key, 'verify');
        if (name === family) expect(check, `${alg} with ${name}`).not.toThrow();
        else expect(check, `${alg} with ${name}`).toThrow(TypeError);
      }
    }
  });
});

describe('a verifier keyed for one algorithm family', () => {
  it('never lets the header pick a key of another family', () => {
    const keys: JwtKey[] = [
      createAsymmetricJwtKey({ key: rsa.publicKey, alg: 'RS256', kid: 'rsa' }),
      createAsymmetricJwtKey({ key: ec.publicKey, alg: 'ES256', kid: 'ec' }),
      createAsymmetricJwtKey({ key: ed.publicKey, alg: 'EdDSA', kid: 'ed' }),
    ];
    const verifier = createJwtVerifier({ keys, clock: createManualClock(NOW_MS) });
    // A genuine RS256 signature presented as PS256, and an ES256 one presented under the EdDSA kid.
    const rs = createJwtSigner({ key: createAsymmetricJwtKey({ key: rsa.privateKey, alg: 'RS256', kid: 'rsa' }) }).sign(
      claims(),
    );
    const [, payload, signature] = rs.split('.');
    expect(
      refusal(() => verifier.verify(`${encode({ alg: 'PS256', kid: 'rsa' })}.${payload}.${signature}`)).reason,
    ).toBe('alg');
    const es = createJwtSigner({ key: createAsymmetricJwtKey({ key: ec.privateKey, alg: 'ES256', kid: 'ec' }) }).sign(
      claims(),
    );
    const [, esPayload, esSignature] = es.split('.');
    expect(
      refusal(() => verifier.verify(`${encode({ alg: 'ES256', kid: 'ed' })}.${esPayload}.${esSignature}`)).reason,
    ).toBe('kid');
    expect(verifier.verify(rs).key.kid).toBe('rsa');
    expect(verifier.verify(es).key.kid).toBe('ec');
  });
});

describe('verification off the event loop', () => {
  for (const alg of ASYMMETRIC) {
    it(`checks a ${alg} signature on the thread pool with the same result and refusals as verify`, async () => {
      const { verifier, signer } = setup(alg);
      const token = signer.sign(claims());
      const pending = verifier.verifyOffLoop(token);
      expect(pending).toBeInstanceOf(Promise);
      const result = await pending;
      expect(result.claims).toEqual(verifier.verify(token).claims);
      const forged = withSignature(token, Buffer.alloc(alg === 'ES256' || alg === 'EdDSA' ? 64 : 256, 7));
      const refused = await Promise.resolve()
        .then(() => verifier.verifyOffLoop(forged))
        .then(
          () => null,
          (error: unknown) => error as AuthError,
        );
      expect(refused?.code).toBe('ERR_TOKEN_INVALID');
      expect(refused?.reason).toBe('signature');
      const altered = `${token.split('.')[0]}.${encode(claims({ sub: 'admin' }))}.${token.split('.')[2]}`;
      await expect(verifier.verifyOffLoop(altered)).rejects.toMatchObject({ reason: 'signature' });
    });
  }

  it('answers a cache hit and an HMAC token at once, without a promise', async () => {
    const { verifier, signer } = setup('ES256');
    const token = signer.sign(claims());
    const first = await verifier.verifyOffLoop(token);
    expect(verifier.verifyOffLoop(token)).toBe(first);
    const secret = createSecretJwtKey({ secret: 'off-loop-test-secret-0123456789abcdef' });
    const hmac = createJwtVerifier({ keys: [secret], clock: createManualClock(NOW_MS) });
    const result = hmac.verifyOffLoop(createJwtSigner({ key: secret }).sign(claims()));
    expect(result).not.toBeInstanceOf(Promise);
    expect((result as { claims: unknown }).claims).toMatchObject({ sub: 'user-1' });
  });

  it('refuses a token whose key retired while its signature was being checked, and never caches it', async () => {
    const signingKey = createAsymmetricJwtKey({ key: privateKeys.EdDSA, alg: 'EdDSA', kid: 'retiring' });
    const clock = createManualClock(NOW_MS);
    const publicKey = createAsymmetricJwtKey({
      key: createPublicKey(privateKeys.EdDSA),
      alg: 'EdDSA',
      kid: 'retiring',
      notAfter: NOW_MS + 10,
    });
    const verifier = createJwtVerifier({ keys: [publicKey], clock });
    const token = createJwtSigner({ key: signingKey }).sign(claims());
    const pending = verifier.verifyOffLoop(token);
    clock.advance(11);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_TOKEN_INVALID', reason: 'key-retired' });
    expect(refusal(() => verifier.verify(token)).reason).toBe('key-retired');
  });

  it('refuses a malformed token synchronously, before any work is sent off', () => {
    const { verifier } = setup('EdDSA');
    expect(refusal(() => verifier.verifyOffLoop('not.a-token')).reason).toBe('segments');
  });
});
