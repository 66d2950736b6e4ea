import { createHmac, createSecretKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { refusal } from '../../test/support/refusal.js';
import { createManualClock } from '../clock.js';
import type { AuthError } from '../errors/auth-error.js';
import type { ErrorCode } from '../errors/codes.js';
import { createAccessTokenVerifier } from './access-token-verifier.js';
import type { HmacAlgorithm, JwsAlgorithm } from './algorithms.js';
import { createSecretJwtKey, type JwtKey } from './key.js';
import { createRefreshTokenCodec, newSessionId } from './refresh-token.js';
import { createJwtSigner } from './sign.js';
import { createJwtVerifier, type JwtVerifierOptions } from './verify.js';

const NOW_MS = Date.parse('2030-01-01T00:00:00Z');
const NOW = NOW_MS / 1000;

const SECRET = 'verifier-test-secret-0123456789abcdef';
const OTHER_SECRET = 'another-secret-for-tests-0123456789ab';
const SECRET_512 = 'a-sixty-four-byte-secret-for-hs512-keys-0123456789abcdefghijklmn';

const HASHES: Record<HmacAlgorithm, 'sha256' | 'sha384' | 'sha512'> = {
  HS256: 'sha256',
  HS384: 'sha384',
  HS512: 'sha512',
};

const key = createSecretJwtKey({ secret: SECRET, kid: 'main' });

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function mac(signingInput: string, secret: string, alg: HmacAlgorithm = 'HS256'): string {
  return createHmac(HASHES[alg], secret).update(signingInput).digest('base64url');
}

/** Joins already-encoded segments and signs them as they are, so tests can sign malformed parts. */
function signSegments(header: string, payload: string, secret = SECRET, alg: HmacAlgorithm = 'HS256'): string {
  const signingInput = `${header}.${payload}`;
  return `${signingInput}.${mac(signingInput, secret, alg)}`;
}

/** Builds an HMAC-signed JWT by hand, so a test can forge exactly the token it needs. */
function forge(
  header: Readonly<Record<string, unknown>>,
  payload: unknown,
  secret = SECRET,
  alg: HmacAlgorithm = 'HS256',
): string {
  return signSegments(encode(header), encode(payload), secret, alg);
}

function claims(overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return { iss: 'jwtgate', aud: 'api', sub: 'user-1', iat: NOW, exp: NOW + 600, ...overrides };
}

const HEADER = { alg: 'HS256', typ: 'JWT', kid: 'main' } as const;

function verifierFor(options: Partial<JwtVerifierOptions> = {}) {
  return createJwtVerifier({
    keys: [key],
    issuer: 'jwtgate',
    audience: 'api',
    clock: createManualClock(NOW_MS),
    ...options,
  });
}

function refuse(token: unknown, verifier = verifierFor(), code: ErrorCode = 'ERR_TOKEN_INVALID'): AuthError {
  return refusal(() => verifier.verify(token as string), code, token);
}

/** A spelling of the same signature bytes with some of the last character's unused bits set. */
function nonCanonical(signature: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = signature.at(-1)!;
  const spelled = signature.slice(0, -1) + alphabet[alphabet.indexOf(last) | 1];
  expect(spelled).not.toBe(signature);
  expect(Buffer.from(spelled, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
  return spelled;
}

describe('createJwtVerifier', () => {
  describe('genuine tokens', () => {
    it('accepts a valid token and returns its claims, header and key', () => {
      const payload = claims({ role: 'admin', custom: { nested: [1, 2] } });
      const result = verifierFor().verify(forge(HEADER, payload));
      expect(result.claims).toEqual(payload);
      expect(result.header).toEqual(HEADER);
      expect(result.key).toBe(key);
    });

    it('accepts a token made by createJwtSigner with the same key', () => {
      const token = createJwtSigner({ key }).sign(claims());
      expect(verifierFor().verify(token).claims.sub).toBe('user-1');
    });

    it('accepts a token without a kid when a key is bound to its alg', () => {
      const { alg, typ } = HEADER;
      expect(verifierFor().verify(forge({ alg, typ }, claims())).key).toBe(key);
    });

    it('checks nothing but the signature and time when no issuer or audience is configured', () => {
      const verifier = createJwtVerifier({ keys: [key], clock: createManualClock(NOW_MS) });
      const token = forge({ alg: 'HS256' }, { exp: NOW + 60 });
      expect(verifier.verify(token).claims).toEqual({ exp: NOW + 60 });
    });
  });

  describe('signatures', () => {
    it('refuses a token whose payload was edited after signing', () => {
      const [header, , signature] = forge(HEADER, claims()).split('.');
      const edited = `${header}.${encode(claims({ sub: 'admin', role: 'admin' }))}.${signature}`;
      expect(refuse(edited).reason).toBe('signature');
    });

    it('refuses a token whose header was edited after signing', () => {
      const [, payload, signature] = forge(HEADER, claims()).split('.');
      const edited = `${encode({ ...HEADER, typ: 'at+jwt' })}.${payload}.${signature}`;
      expect(refuse(edited).reason).toBe('signature');
    });

    it('refuses a token signed with another secret', () => {
      expect(refuse(forge(HEADER, claims(), OTHER_SECRET)).reason).toBe('signature');
    });

    it('refuses a token signed with another secret and no kid', () => {
      expect(refuse(forge({ alg: 'HS256' }, claims(), OTHER_SECRET)).reason).toBe('signature');
    });

    it('refuses a token whose signature belongs to another token', () => {
      const [, , otherSignature] = forge(HEADER, claims({ sub: 'user-2' })).split('.');
      const [header, payload] = forge(HEADER, claims()).split('.');
      expect(refuse(`${header}.${payload}.${otherSignature}`).reason).toBe('signature');
    });

    it('refuses a signature with one character appended', () => {
      const token = forge(HEADER, claims());
      for (const extra of ['A', 'Q', 'g', 'w', '_']) {
        expect(refuse(`${token}${extra}`).reason).toBe('signature');
      }
    });

    it('refuses a signature with its last character dropped', () => {
      expect(refuse(forge(HEADER, claims()).slice(0, -1)).reason).toBe('signature');
    });

    it('refuses a non-canonical base64url spelling of a valid HS256 signature', () => {
      const token = forge(HEADER, claims());
      const [header, payload, signature] = token.split('.') as [string, string, string];
      expect(verifierFor().verify(token).claims.sub).toBe('user-1');
      expect(refuse(`${header}.${payload}.${nonCanonical(signature)}`).reason).toBe('signature');
    });

    it('refuses a non-canonical base64url spelling of a valid HS512 signature', () => {
      const key512 = createSecretJwtKey({ secret: SECRET_512, alg: 'HS512', kid: 'k512' });
      const verifier = verifierFor({ keys: [key512] });
      const token = forge({ alg: 'HS512', kid: 'k512' }, claims(), SECRET_512, 'HS512');
      const [header, payload, signature] = token.split('.') as [string, string, string];
      expect(verifier.verify(token).key).toBe(key512);
      expect(refuse(`${header}.${payload}.${nonCanonical(signature)}`, verifier).reason).toBe('signature');
    });

    it('refuses a signature with a character outside ASCII whose low byte spells the genuine one', () => {
      const token = forge(HEADER, claims());
      const [header, payload, signature] = token.split('.') as [string, string, string];
      // U+0141 and the like: their low byte is the genuine character, which a latin1 reading would see.
      const alias = (c: string) => String.fromCharCode(0x100 + c.charCodeAt(0));
      for (const at of [0, 20, signature.length - 1]) {
        const spelled = `${signature.slice(0, at)}${alias(signature[at] as string)}${signature.slice(at + 1)}`;
        expect(spelled).toHaveLength(signature.length);
        expect(refuse(`${header}.${payload}.${spelled}`).reason).toBe('signature-encoding');
      }
    });

    it('accepts a genuine signature right after refusing a forged one of the same length', () => {
      const verifier = verifierFor();
      const token = forge(HEADER, claims());
      const [header, payload, signature] = token.split('.') as [string, string, string];
      const forged = `${header}.${payload}.${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
      expect(refuse(forged, verifier).reason).toBe('signature');
      expect(verifier.verify(token).claims.sub).toBe('user-1');
      expect(refuse(forged, verifier).reason).toBe('signature');
    });

    it('refuses a signature written with base64 padding', () => {
      expect(refuse(`${forge(HEADER, claims())}=`).reason).toBe('signature-encoding');
    });

    it('refuses a signature written in the standard base64 alphabet', () => {
      // Sign until the signature contains a character that differs between the two alphabets.
      for (let i = 0; ; i++) {
        const token = forge(HEADER, claims({ n: i }));
        const [header, payload, signature] = token.split('.') as [string, string, string];
        if (!/[-_]/.test(signature)) continue;
        const standard = signature.replaceAll('-', '+').replaceAll('_', '/');
        expect(refuse(`${header}.${payload}.${standard}`).reason).toBe('signature-encoding');
        return;
      }
    });
  });

  describe('algorithms', () => {
    const noneVariants = ['none', 'None', 'NONE', 'nOnE'];

    it.each(noneVariants)('refuses a token whose alg is %s with an empty signature', (alg) => {
      const token = `${encode({ alg, typ: 'JWT' })}.${encode(claims())}.`;
      refuse(token);
    });

    it.each(noneVariants)('refuses a token whose alg is %s with a signature', (alg) => {
      expect(refuse(forge({ alg, typ: 'JWT' }, claims())).reason).toBe('alg');
    });

    it.each(noneVariants)('refuses a token whose alg is %s and that names a real kid', (alg) => {
      expect(refuse(forge({ alg, kid: 'main' }, claims())).reason).toBe('alg');
    });

    it.each(['HS384', 'HS512'] as const)('refuses a token whose alg is %s on an HS256 key', (alg) => {
      expect(refuse(forge({ alg, kid: 'main' }, claims(), SECRET, alg)).reason).toBe('alg');
      expect(refuse(forge({ alg }, claims(), SECRET, alg)).reason).toBe('alg');
    });

    it.each(['RS256', 'ES256', 'PS256', 'EdDSA', 'hs256', 'HS256 ', ''])('refuses a token whose alg is "%s"', (alg) => {
      expect(refuse(forge({ alg, kid: 'main' }, claims())).reason).toBe('alg');
    });

    it.each([[undefined], [null], [256], [['HS256']], [{ name: 'HS256' }]])(
      'refuses a token whose alg is %j',
      (alg) => {
        expect(refuse(forge({ alg, kid: 'main' }, claims())).reason).toBe('alg-missing');
      },
    );

    it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
      'refuses a token whose alg is the prototype member %s',
      (alg) => {
        expect(refuse(forge({ alg }, claims())).reason).toBe('alg');
      },
    );

    it('refuses a token whose kid names a key bound to another alg', () => {
      const key512 = createSecretJwtKey({ secret: SECRET_512, alg: 'HS512', kid: 'k512' });
      const verifier = verifierFor({ keys: [key, key512] });
      // The attacker asks for HS256 with the HS512 key's secret: the key's own alg must win.
      const token = forge({ alg: 'HS256', kid: 'k512' }, claims(), SECRET_512, 'HS256');
      expect(refuse(token, verifier).reason).toBe('kid');
      expect(verifier.verify(forge({ alg: 'HS512', kid: 'k512' }, claims(), SECRET_512, 'HS512')).key).toBe(key512);
    });
  });

  describe('key-carrying and critical header members', () => {
    const attackerSecret = 'the-attackers-own-secret-0123456789abc';
    const attackerJwk = { kty: 'oct', k: Buffer.from(attackerSecret).toString('base64url') };

    it.each([
      ['jwk', attackerJwk],
      ['jku', 'https://attacker.example/jwks.json'],
      ['x5u', 'https://attacker.example/cert.pem'],
      ['x5c', ['MIIBszCCAVmgAwIBAgIU']],
    ])('refuses a token whose header carries %s', (member, value) => {
      expect(refuse(forge({ ...HEADER, [member]: value }, claims(), attackerSecret)).reason).toBe(`header-${member}`);
      expect(refuse(forge({ alg: 'HS256', [member]: value }, claims(), attackerSecret)).reason).toBe(
        `header-${member}`,
      );
    });

    it.each(['jwk', 'jku', 'x5u', 'x5c'])('refuses a genuinely signed token whose header carries %s', (member) => {
      expect(refuse(forge({ ...HEADER, [member]: null }, claims())).reason).toBe(`header-${member}`);
    });

    it('refuses a token with a crit header even when it is genuinely signed', () => {
      expect(refuse(forge({ ...HEADER, b64: false, crit: ['b64'] }, claims())).reason).toBe('header-crit');
      expect(refuse(forge({ ...HEADER, crit: [] }, claims())).reason).toBe('header-crit');
    });
  });

  describe('key ids', () => {
    // A generous length limit, so that these tokens are judged by their kid and not their size.
    const roomy = () => verifierFor({ maxTokenLength: 65_536 });

    it('refuses a token whose kid names no key', () => {
      expect(refuse(forge({ ...HEADER, kid: 'retired' }, claims())).reason).toBe('kid');
    });

    it.each([
      ['a path', '../../etc/passwd'],
      ['an absolute path', '/dev/null'],
      ['a SQL injection', "' OR 1=1 --"],
      ['a URL', 'https://attacker.example/key'],
      ['a prototype member', '__proto__'],
      ['a constructor name', 'constructor'],
      ['an empty string', ''],
      ['the kid with a NUL appended', 'main\u0000'],
      ['the kid in capitals', 'MAIN'],
      ['a 10 kB string', 'k'.repeat(10_240)],
    ])('refuses a token whose kid is %s', (_, kid) => {
      const error = refuse(forge({ ...HEADER, kid }, claims()), roomy());
      expect(error.reason).toBe('kid');
      if (kid.length > 0) expect(error.message).not.toContain(kid);
    });

    it.each([
      ['a number', 42],
      ['null', null],
      ['a boolean', true],
      ['an array', ['main']],
      ['an object', { toString: 'main' }],
    ])('refuses a token whose kid is %s', (_, kid) => {
      expect(refuse(forge({ ...HEADER, kid }, claims()), roomy()).reason).toBe('kid-type');
    });

    it('refuses a 10 kB kid under the default length limit before looking at it', () => {
      expect(refuse(forge({ ...HEADER, kid: 'k'.repeat(10_240) }, claims())).reason).toBe('length');
    });
  });

  describe('key rotation', () => {
    const oldKey = createSecretJwtKey({ secret: SECRET, kid: 'old' });
    const newKey = createSecretJwtKey({ secret: OTHER_SECRET, kid: 'new' });
    const rotating = () => verifierFor({ keys: [newKey, oldKey] });

    it('accepts tokens signed by either key when they name their kid', () => {
      const verifier = rotating();
      expect(verifier.verify(forge({ alg: 'HS256', kid: 'old' }, claims(), SECRET)).key).toBe(oldKey);
      expect(verifier.verify(forge({ alg: 'HS256', kid: 'new' }, claims(), OTHER_SECRET)).key).toBe(newKey);
    });

    it('accepts tokens signed by either key when they name no kid', () => {
      const verifier = rotating();
      expect(verifier.verify(forge({ alg: 'HS256' }, claims(), SECRET)).key).toBe(oldKey);
      expect(verifier.verify(forge({ alg: 'HS256' }, claims(), OTHER_SECRET)).key).toBe(newKey);
    });

    it('accepts tokens from createJwtSigner with either key', () => {
      const verifier = rotating();
      expect(verifier.verify(createJwtSigner({ key: oldKey }).sign(claims())).key).toBe(oldKey);
      expect(verifier.verify(createJwtSigner({ key: newKey }).sign(claims())).key).toBe(newKey);
    });

    it('refuses a token that names one key but was signed with the other', () => {
      expect(refuse(forge({ alg: 'HS256', kid: 'new' }, claims(), SECRET), rotating()).reason).toBe('signature');
    });

    it('refuses a token signed by a key that is not in the ring', () => {
      const retired = 'a-retired-secret-no-longer-trusted-0123';
      expect(refuse(forge({ alg: 'HS256' }, claims(), retired), rotating()).reason).toBe('signature');
    });
  });

  describe('the header cache', () => {
    it('still accepts a genuine token after a forged token with the same fresh header was refused', () => {
      const verifier = verifierFor();
      const header = { ...HEADER, fresh: 'never-seen-before' };
      expect(refuse(forge(header, claims({ sub: 'admin' }), OTHER_SECRET), verifier).reason).toBe('signature');
      expect(verifier.verify(forge(header, claims())).claims.sub).toBe('user-1');
    });

    it('does not let a cached header make a forged signature pass', () => {
      const verifier = verifierFor();
      const genuine = forge(HEADER, claims());
      verifier.verify(genuine);
      verifier.verify(genuine);
      const [header, , signature] = genuine.split('.');
      expect(refuse(forge(HEADER, claims({ sub: 'admin' }), OTHER_SECRET), verifier).reason).toBe('signature');
      expect(refuse(`${header}.${encode(claims({ sub: 'admin' }))}.${signature}`, verifier).reason).toBe('signature');
      expect(refuse(`${header}.${encode(claims())}.`, verifier).reason).toBe('segments');
    });

    it("does not let a cached header without kid make another key's signature pass", () => {
      const verifier = verifierFor();
      const header = { alg: 'HS256', typ: 'JWT' };
      verifier.verify(forge(header, claims()));
      expect(refuse(forge(header, claims(), OTHER_SECRET), verifier).reason).toBe('signature');
    });

    it('still verifies genuine tokens after a flood of forged tokens with distinct headers', () => {
      const verifier = verifierFor();
      for (let i = 0; i < 200; i++) {
        refuse(forge({ ...HEADER, n: i }, claims(), OTHER_SECRET), verifier);
      }
      for (let i = 0; i < 40; i++) {
        const header = { ...HEADER, n: i };
        expect(verifier.verify(forge(header, claims())).header).toEqual(header);
        refuse(forge(header, claims(), OTHER_SECRET), verifier);
      }
    });

    it('keeps caching genuine headers after a flood of forged tokens with distinct headers', () => {
      // Counting JSON.parse calls shows whether a header was parsed again or came from the cache.
      const parses = vi.spyOn(JSON, 'parse');
      try {
        const parsesFor = (verify: () => unknown) => {
          const before = parses.mock.calls.length;
          verify();
          return parses.mock.calls.length - before;
        };
        // Without the cache of whole verified tokens, which would skip the parsing altogether.
        const verifier = verifierFor({ verifiedTokenCacheSize: 0 });
        const control = forge({ ...HEADER, n: 'control' }, claims());
        expect(parsesFor(() => verifier.verify(control))).toBe(2);
        expect(parsesFor(() => verifier.verify(control))).toBe(1);
        for (let i = 0; i < 100; i++) refuse(forge({ ...HEADER, n: i }, claims(), OTHER_SECRET), verifier);
        const genuine = forge({ ...HEADER, n: 'after-the-flood' }, claims());
        expect(parsesFor(() => verifier.verify(genuine))).toBe(2);
        expect(parsesFor(() => verifier.verify(genuine))).toBe(1);
      } finally {
        parses.mockRestore();
      }
    });

    it('keeps a header cache per verifier, so a lax one cannot vouch for a header to a strict one', () => {
      const lax = verifierFor();
      const strict = verifierFor({ typ: 'at+jwt' });
      const token = forge(HEADER, claims());
      lax.verify(token);
      expect(refuse(token, strict).reason).toBe('typ');
    });

    it('refuses a token whose cached header is reused with a payload that is not JSON', () => {
      const verifier = verifierFor();
      verifier.verify(forge(HEADER, claims()));
      expect(refuse(signSegments(encode(HEADER), Buffer.from('{').toString('base64url')), verifier).reason).toBe(
        'payload-json',
      );
    });
  });

  describe('time', () => {
    it('refuses a token whose exp has passed with ERR_TOKEN_EXPIRED', () => {
      expect(refuse(forge(HEADER, claims({ exp: NOW - 1 })), verifierFor(), 'ERR_TOKEN_EXPIRED').reason).toBe('exp');
    });

    it('refuses a token at the very second of its exp', () => {
      refuse(forge(HEADER, claims({ exp: NOW })), verifierFor(), 'ERR_TOKEN_EXPIRED');
    });

    it('accepts a token until its exp and refuses it from then on, as the clock moves', () => {
      const clock = createManualClock(NOW_MS);
      const verifier = verifierFor({ clock });
      const token = forge(HEADER, claims({ exp: NOW + 60 }));
      clock.advance(60_000 - 1);
      expect(verifier.verify(token).claims.exp).toBe(NOW + 60);
      clock.advance(1);
      refuse(token, verifier, 'ERR_TOKEN_EXPIRED');
    });

    it('accepts an expired token within clockToleranceSec and refuses it just after', () => {
      const clock = createManualClock(NOW_MS);
      const verifier = verifierFor({ clock, clockToleranceSec: 30 });
      const token = forge(HEADER, claims({ exp: NOW }));
      clock.advance(30_000 - 1);
      expect(verifier.verify(token).claims.sub).toBe('user-1');
      clock.advance(1);
      refuse(token, verifier, 'ERR_TOKEN_EXPIRED');
    });

    it('refuses a token without exp', () => {
      const { exp: _, ...withoutExp } = claims();
      expect(refuse(forge(HEADER, withoutExp)).reason).toBe('exp-missing');
    });

    it.each([
      ['a string', String(NOW + 600)],
      ['null', null],
      ['a boolean', true],
      ['an array', [NOW + 600]],
      ['an object', { value: NOW + 600 }],
    ])('refuses a token whose exp is %s with ERR_TOKEN_INVALID', (_, exp) => {
      expect(refuse(forge(HEADER, claims({ exp }))).reason).toBe('exp-missing');
    });

    it('refuses a token whose exp is a number too large for a double', () => {
      // JSON.parse turns 1e400 into Infinity, which must not mean "never expires".
      const payload = Buffer.from('{"iss":"jwtgate","aud":"api","sub":"user-1","exp":1e400}').toString('base64url');
      const token = signSegments(encode(HEADER), payload);
      expect(refuse(token).reason).toBe('exp-missing');
    });

    it('refuses a token whose nbf is in the future', () => {
      expect(refuse(forge(HEADER, claims({ nbf: NOW + 60 }))).reason).toBe('nbf');
    });

    it('accepts a token whose nbf is now or within clockToleranceSec, and refuses one just beyond', () => {
      expect(verifierFor().verify(forge(HEADER, claims({ nbf: NOW }))).claims.nbf).toBe(NOW);
      const tolerant = verifierFor({ clockToleranceSec: 30 });
      expect(tolerant.verify(forge(HEADER, claims({ nbf: NOW + 30 }))).claims.nbf).toBe(NOW + 30);
      expect(refuse(forge(HEADER, claims({ nbf: NOW + 30.001 })), tolerant).reason).toBe('nbf');
    });

    it('refuses a token whose nbf is not a number', () => {
      expect(refuse(forge(HEADER, claims({ nbf: String(NOW) }))).reason).toBe('nbf-type');
      expect(refuse(forge(HEADER, claims({ nbf: null }))).reason).toBe('nbf-type');
    });

    it('refuses a token whose iat is in the future', () => {
      expect(refuse(forge(HEADER, claims({ iat: NOW + 60 }))).reason).toBe('iat-future');
    });

    it('accepts a token whose iat is within clockToleranceSec of now, and refuses one just beyond', () => {
      const tolerant = verifierFor({ clockToleranceSec: 30 });
      expect(tolerant.verify(forge(HEADER, claims({ iat: NOW + 30 }))).claims.iat).toBe(NOW + 30);
      expect(refuse(forge(HEADER, claims({ iat: NOW + 31 })), tolerant).reason).toBe('iat-future');
    });

    it('refuses a token whose iat is not a number', () => {
      expect(refuse(forge(HEADER, claims({ iat: String(NOW) }))).reason).toBe('iat-type');
      expect(refuse(forge(HEADER, claims({ iat: null }))).reason).toBe('iat-type');
    });
  });

  describe('issuer, audience and subject', () => {
    it('refuses a token from another issuer', () => {
      expect(refuse(forge(HEADER, claims({ iss: 'someone-else' }))).reason).toBe('iss');
    });

    it('refuses a token without an issuer, or with a non-string one', () => {
      const { iss: _, ...withoutIss } = claims();
      expect(refuse(forge(HEADER, withoutIss)).reason).toBe('iss');
      expect(refuse(forge(HEADER, claims({ iss: ['jwtgate'] }))).reason).toBe('iss');
    });

    it('accepts any of several configured issuers', () => {
      const verifier = verifierFor({ issuer: ['jwtgate', 'jwtgate-eu'] });
      expect(verifier.verify(forge(HEADER, claims({ iss: 'jwtgate-eu' }))).claims.iss).toBe('jwtgate-eu');
      refuse(forge(HEADER, claims({ iss: 'jwtgate-us' })), verifier);
    });

    it('refuses a token for another audience given as a string', () => {
      expect(refuse(forge(HEADER, claims({ aud: 'billing' }))).reason).toBe('aud');
    });

    it('refuses a token for other audiences given as an array', () => {
      expect(refuse(forge(HEADER, claims({ aud: ['billing', 'reports'] }))).reason).toBe('aud');
      expect(refuse(forge(HEADER, claims({ aud: [] }))).reason).toBe('aud');
    });

    it('accepts a token whose audience array contains ours among others', () => {
      const token = forge(HEADER, claims({ aud: ['billing', 'api', 'reports'] }));
      expect(verifierFor().verify(token).claims.aud).toEqual(['billing', 'api', 'reports']);
    });

    it('accepts a token for any of several configured audiences', () => {
      const verifier = verifierFor({ audience: ['api', 'admin-api'] });
      expect(verifier.verify(forge(HEADER, claims({ aud: 'admin-api' }))).claims.aud).toBe('admin-api');
      expect(verifier.verify(forge(HEADER, claims({ aud: ['x', 'api'] }))).claims.aud).toEqual(['x', 'api']);
      refuse(forge(HEADER, claims({ aud: ['x', 'y'] })), verifier);
    });

    it('refuses a token without an audience, or with one that is not a string or array', () => {
      const { aud: _, ...withoutAud } = claims();
      expect(refuse(forge(HEADER, withoutAud)).reason).toBe('aud');
      expect(refuse(forge(HEADER, claims({ aud: { api: true } }))).reason).toBe('aud');
      expect(refuse(forge(HEADER, claims({ aud: [['api']] }))).reason).toBe('aud');
      expect(refuse(forge(HEADER, claims({ aud: 'API' }))).reason).toBe('aud');
    });

    it('refuses a token whose sub is not a string', () => {
      expect(refuse(forge(HEADER, claims({ sub: 42 }))).reason).toBe('sub-type');
      expect(refuse(forge(HEADER, claims({ sub: null }))).reason).toBe('sub-type');
    });

    it('refuses a token that lacks a required claim', () => {
      const verifier = verifierFor({ requiredClaims: ['sub', 'jti'] });
      expect(refuse(forge(HEADER, claims()), verifier).reason).toBe('claim-jti');
      expect(verifier.verify(forge(HEADER, claims({ jti: 'j1' }))).claims.jti).toBe('j1');
    });
  });

  describe('typ', () => {
    const typed = () => verifierFor({ typ: 'at+jwt' });

    it('refuses a token whose typ does not match', () => {
      expect(refuse(forge({ ...HEADER, typ: 'JWT' }, claims()), typed()).reason).toBe('typ');
      expect(refuse(forge({ ...HEADER, typ: 'application/jwt' }, claims()), typed()).reason).toBe('typ');
      expect(refuse(forge({ ...HEADER, typ: 'at+jwt2' }, claims()), typed()).reason).toBe('typ');
    });

    it('refuses a token without typ, or with a non-string one, when a typ is required', () => {
      const { typ: _, ...withoutTyp } = HEADER;
      expect(refuse(forge(withoutTyp, claims()), typed()).reason).toBe('typ');
      expect(refuse(forge({ ...HEADER, typ: ['at+jwt'] }, claims()), typed()).reason).toBe('typ');
    });

    it('accepts at+jwt in any case and with the application/ prefix', () => {
      for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/At+JWT']) {
        expect(typed().verify(forge({ ...HEADER, typ }, claims())).header.typ).toBe(typ);
      }
    });

    it('accepts the application/ form when configured with it', () => {
      const verifier = verifierFor({ typ: 'application/at+jwt' });
      expect(verifier.verify(forge({ ...HEADER, typ: 'at+jwt' }, claims())).header.typ).toBe('at+jwt');
    });
  });

  describe('malformed input', () => {
    const genuine = forge(HEADER, claims());
    const [h, p, s] = genuine.split('.') as [string, string, string];

    it.each([
      ['two segments', `${h}.${p}`],
      ['four segments', `${genuine}.${s}`],
      ['four segments with an empty last one', `${genuine}.`],
      ['one segment', h],
      ['an empty header', `.${p}.${s}`],
      ['an empty payload', `${h}..${s}`],
      ['an empty signature', `${h}.${p}.`],
      ['only dots', '..'],
      ['three dots', '...'],
      ['an empty string', ''],
    ])('refuses a token with %s', (_, token) => {
      expect(['segments', 'length']).toContain(refuse(token).reason);
    });

    it('refuses a header with characters outside base64url', () => {
      for (const header of [`${h}=`, `${h}+`, `${h}/`, ` ${h}`, `${h}\n`, `${h}%3D`]) {
        expect(refuse(`${header}.${p}.${s}`).reason).toBe('header-encoding');
      }
    });

    it('refuses a genuinely signed payload with characters outside base64url', () => {
      for (const payload of [`${p}=`, `${p}+`, `${p} `, `${p}*`]) {
        expect(refuse(signSegments(h, payload)).reason).toBe('payload-encoding');
      }
    });

    it('refuses a signed payload with any stray character, wherever it stands and whatever the length', () => {
      const strays = [...'=+/ \t\n*%\u0000\u00e9\u20ac', '\ud83d\ude00', '==', 'A=', '=A'];
      // Lengths of every residue modulo 4, so that a skipped character cannot hide in the rounding.
      for (const base of [p, p.slice(0, -1), p.slice(0, -2), p.slice(0, -3)]) {
        for (const stray of strays) {
          for (const at of [0, 1, Math.floor(base.length / 2), base.length - 1, base.length]) {
            const payload = `${base.slice(0, at)}${stray}${base.slice(at)}`;
            expect(refuse(signSegments(h, payload)).reason, JSON.stringify(payload)).toBe('payload-encoding');
          }
        }
      }
      // The other alphabet decodes to bytes of its own: refused even where the text would still be JSON.
      const plain = Buffer.from('{"a":"~~~"}').toString('base64');
      expect(plain).toMatch(/[+/]/);
      expect(refuse(signSegments(h, plain.replace(/=+$/, ''))).reason).toBe('payload-encoding');
    });

    it('calls a signed payload base64url exactly when every character is of that alphabet (random strings)', () => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const strays = ['=', '+', '/', ' ', '\n', '%', '\u0000', '\u00e9', '\u20ac', '\ud83d'];
      const verifier = verifierFor();
      let seed = 7;
      const random = (below: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed % below;
      };
      for (let round = 0; round < 3000; round++) {
        let payload = '';
        const length = 1 + random(24);
        for (let i = 0; i < length; i++) {
          payload += random(12) === 0 ? strays[random(strays.length)] : alphabet[random(alphabet.length)];
        }
        const canonical = /^[A-Za-z0-9_-]+$/.test(payload) && payload.length % 4 !== 1;
        let reason = 'accepted';
        try {
          verifier.verify(signSegments(h, payload));
        } catch (error) {
          reason = (error as AuthError).reason as string;
        }
        expect(reason === 'payload-encoding', JSON.stringify(payload)).toBe(!canonical);
      }
    });

    it('refuses a signature with characters outside base64url', () => {
      for (const signature of [`${s.slice(0, -1)}+`, `${s.slice(0, -1)}/`, `${s.slice(0, -1)} `, `${s}==`]) {
        expect(refuse(`${h}.${p}.${signature}`).reason).toBe('signature-encoding');
      }
    });

    it('refuses a header that is not JSON', () => {
      for (const text of ['alg:HS256', '{"alg":"HS256"', "{'alg':'HS256'}", '\u0000']) {
        const header = Buffer.from(text).toString('base64url');
        expect(refuse(signSegments(header, p)).reason).toBe('header-json');
      }
    });

    it('refuses a genuinely signed payload that is not JSON', () => {
      for (const text of ['sub=admin', '{"exp":', '\uFFFD']) {
        expect(refuse(signSegments(h, Buffer.from(text).toString('base64url'))).reason).toBe('payload-json');
      }
    });

    it.each([
      ['an array', ['HS256']],
      ['null', null],
      ['a string', 'HS256'],
      ['a number', 256],
      ['true', true],
    ])('refuses a header that is %s', (_, header) => {
      expect(refuse(signSegments(encode(header), p)).reason).toBe('header-shape');
    });

    it.each([
      ['an array', [claims()]],
      ['null', null],
      ['a string', 'claims'],
      ['a number', NOW + 600],
    ])('refuses a genuinely signed payload that is %s', (_, payload) => {
      expect(refuse(forge(HEADER, payload)).reason).toBe('payload-shape');
    });

    it('refuses a token longer than maxTokenLength before parsing it', () => {
      expect(verifierFor({ maxTokenLength: genuine.length }).verify(genuine).claims.sub).toBe('user-1');
      expect(refuse(genuine, verifierFor({ maxTokenLength: genuine.length - 1 })).reason).toBe('length');
      expect(refuse(`${'!'.repeat(300)}`, verifierFor({ maxTokenLength: 299 })).reason).toBe('length');
    });

    it('refuses a genuine token over the default limit of 8192 characters', () => {
      const token = forge(HEADER, claims({ padding: 'x'.repeat(8192) }));
      expect(refuse(token).reason).toBe('length');
      expect(verifierFor({ maxTokenLength: token.length }).verify(token).claims.sub).toBe('user-1');
    });

    it.each([
      ['undefined', undefined],
      ['null', null],
      ['a number', 42],
      ['an object', {}],
      ['an array of the segments', genuine.split('.')],
      ['a Buffer of a valid token', Buffer.from(genuine)],
      ['a String object of a valid token', new String(genuine)],
      ['an object that stringifies to a valid token', { toString: () => genuine, length: genuine.length }],
    ])('refuses %s passed in place of a string', (_, input) => {
      expect(refuse(input).reason).toBe('length');
    });
  });

  describe('construction', () => {
    it('throws a TypeError without keys', () => {
      expect(() => createJwtVerifier({ keys: [] })).toThrow(TypeError);
    });

    it('throws a TypeError for two keys with the same kid', () => {
      const twin = createSecretJwtKey({ secret: OTHER_SECRET, kid: 'main' });
      expect(() => createJwtVerifier({ keys: [key, twin] })).toThrow(TypeError);
    });

    it('throws a TypeError for a negative or non-finite clock tolerance', () => {
      for (const clockToleranceSec of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => createJwtVerifier({ keys: [key], clockToleranceSec })).toThrow(TypeError);
      }
    });

    it('throws a TypeError for a public key offered as an HMAC key', () => {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const confused: JwtKey = { kid: 'ec', alg: 'HS256', key: publicKey };
      expect(() => createJwtVerifier({ keys: [confused] })).toThrow(TypeError);
    });

    it('throws a TypeError for a secret too short for its alg', () => {
      const short: JwtKey = { kid: 'short', alg: 'HS256', key: createSecretKey(Buffer.alloc(31, 1)) };
      expect(() => createJwtVerifier({ keys: [short] })).toThrow(TypeError);
    });
  });
});

describe('createAccessTokenVerifier', () => {
  const accessClaims = (overrides: Readonly<Record<string, unknown>> = {}) =>
    claims({ aud: 'jwtgate', sid: newSessionId(), role: 'user', jti: 'jti-1', ...overrides });
  const AT_HEADER = { alg: 'HS256', typ: 'at+jwt', kid: 'main' } as const;

  function accessVerifier(clock = createManualClock(NOW_MS)) {
    return createAccessTokenVerifier({
      keys: [key],
      issuer: 'jwtgate',
      audience: 'jwtgate',
      clockToleranceSec: 5,
      clock,
    });
  }

  function refuseAccess(token: unknown, code: ErrorCode = 'ERR_TOKEN_INVALID'): AuthError {
    const verifier = accessVerifier();
    return refusal(() => verifier.verify(token as string), code, token);
  }

  it('accepts an access token from createJwtSigner with typ at+jwt', () => {
    const payload = accessClaims();
    const token = createJwtSigner({ key, typ: 'at+jwt' }).sign(payload);
    expect(accessVerifier().verify(token)).toEqual(payload);
  });

  it('refuses strings shaped like refresh tokens', () => {
    const refreshToken = createRefreshTokenCodec(SECRET).mint(newSessionId(), 0);
    for (const token of [refreshToken, `jgr1_${'A'.repeat(91)}`, 'jgr1_', `jgr1_${forge(AT_HEADER, accessClaims())}`]) {
      refuseAccess(token);
    }
  });

  it('refuses a token with typ JWT although everything else is right', () => {
    expect(refuseAccess(forge({ ...AT_HEADER, typ: 'JWT' }, accessClaims())).reason).toBe('typ');
  });

  it('refuses a token without typ', () => {
    expect(refuseAccess(forge({ alg: 'HS256', kid: 'main' }, accessClaims())).reason).toBe('typ');
  });

  it.each(['sid', 'role', 'jti', 'iat', 'sub'])('refuses a token without %s', (name) => {
    const payload = accessClaims();
    delete payload[name];
    expect(refuseAccess(forge(AT_HEADER, payload)).reason).toBe(`claim-${name}`);
  });

  it.each(['sid', 'role', 'jti'])('refuses a token whose %s is not a string', (name) => {
    for (const value of [1, null, true, ['x'], { x: 1 }]) {
      refuseAccess(forge(AT_HEADER, accessClaims({ [name]: value })));
    }
  });

  it('refuses a token from another issuer or for another audience', () => {
    expect(refuseAccess(forge(AT_HEADER, accessClaims({ iss: 'other' }))).reason).toBe('iss');
    expect(refuseAccess(forge(AT_HEADER, accessClaims({ aud: 'api' }))).reason).toBe('aud');
  });

  it('refuses an expired access token with ERR_TOKEN_EXPIRED after the tolerance', () => {
    const clock = createManualClock(NOW_MS);
    const verifier = accessVerifier(clock);
    const token = forge(AT_HEADER, accessClaims({ exp: NOW + 60 }));
    clock.advance(65_000 - 1);
    expect(verifier.verify(token).exp).toBe(NOW + 60);
    clock.advance(1);
    refusal(() => verifier.verify(token), 'ERR_TOKEN_EXPIRED', token);
  });

  it('refuses an access token whose alg is none', () => {
    refuseAccess(`${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(accessClaims())}.`);
    expect(refuseAccess(forge({ alg: 'none', typ: 'at+jwt' }, accessClaims())).reason).toBe('alg');
  });
});

describe('createSecretJwtKey', () => {
  it.each([
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ] as const)('refuses a %s secret shorter than %i bytes with a TypeError', (alg, bytes) => {
    const short = 's'.repeat(bytes - 1);
    expect(() => createSecretJwtKey({ secret: short, alg })).toThrow(TypeError);
    expect(() => createSecretJwtKey({ secret: new Uint8Array(bytes - 1).fill(7), alg })).toThrow(TypeError);
    expect(createSecretJwtKey({ secret: 's'.repeat(bytes), alg }).alg).toBe(alg);
    expect(createSecretJwtKey({ secret: new Uint8Array(bytes).fill(7), alg }).alg).toBe(alg);
  });

  it('counts the bytes of a secret, not its characters', () => {
    // 'é' is two bytes in UTF-8: 16 of them make 32 bytes, 15 and one ASCII letter make 31.
    expect(createSecretJwtKey({ secret: 'é'.repeat(16) }).alg).toBe('HS256');
    expect(() => createSecretJwtKey({ secret: `${'é'.repeat(15)}a` })).toThrow(TypeError);
  });

  it('refuses an empty secret with a TypeError', () => {
    expect(() => createSecretJwtKey({ secret: '' })).toThrow(TypeError);
    expect(() => createSecretJwtKey({ secret: new Uint8Array(0) })).toThrow(TypeError);
  });

  it('does not put the secret into its error message', () => {
    const secret = 'short-secret-value';
    expect(() => createSecretJwtKey({ secret })).toThrow(TypeError);
    try {
      createSecretJwtKey({ secret });
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('refuses an algorithm that is not HMAC', () => {
    for (const alg of ['RS256', 'none', 'ES256', 'hs256']) {
      expect(() => createSecretJwtKey({ secret: SECRET, alg: alg as JwsAlgorithm })).toThrow(TypeError);
    }
  });

  it('defaults to HS256', () => {
    expect(createSecretJwtKey({ secret: SECRET }).alg).toBe('HS256');
  });

  it('derives a stable kid that does not contain the secret', () => {
    const first = createSecretJwtKey({ secret: SECRET });
    const again = createSecretJwtKey({ secret: Buffer.from(SECRET) });
    expect(first.kid).toBe(again.kid);
    expect(first.kid).toMatch(/^hs-[A-Za-z0-9_-]{12}$/);
    expect(first.kid).not.toContain(SECRET);
    expect(first.kid).not.toContain(SECRET.slice(0, 8));
    expect(first.kid).not.toContain(Buffer.from(SECRET).toString('base64url').slice(0, 8));
    expect(createSecretJwtKey({ secret: OTHER_SECRET }).kid).not.toBe(first.kid);
  });

  it('uses an explicit kid and refuses one that is not a plain label', () => {
    expect(createSecretJwtKey({ secret: SECRET, kid: 'k-2030.01_a' }).kid).toBe('k-2030.01_a');
    for (const kid of ['', '../../etc/passwd', "' OR 1=1 --", 'a b', 'k'.repeat(129), '<script>', 'ключ']) {
      expect(() => createSecretJwtKey({ secret: SECRET, kid })).toThrow(TypeError);
    }
    expect(createSecretJwtKey({ secret: SECRET, kid: 'k'.repeat(128) }).kid).toHaveLength(128);
  });

  it('returns a frozen key', () => {
    expect(Object.isFrozen(createSecretJwtKey({ secret: SECRET }))).toBe(true);
  });
});

describe('createJwtSigner', () => {
  it('signs tokens that the verifier accepts, with alg, typ and kid in the header', () => {
    const signer = createJwtSigner({ key, typ: 'at+jwt' });
    const payload = claims();
    const result = verifierFor({ typ: 'at+jwt' }).verify(signer.sign(payload));
    expect(result.claims).toEqual(payload);
    expect(result.header).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: 'main' });
    expect(signer.key).toBe(key);
  });

  it('signs with HS384 and HS512 keys in a way that verifies', () => {
    for (const [alg, secret] of [
      ['HS384', SECRET_512.slice(0, 48)],
      ['HS512', SECRET_512],
    ] as const) {
      const k = createSecretJwtKey({ secret, alg, kid: alg });
      const token = createJwtSigner({ key: k }).sign(claims());
      expect(verifierFor({ keys: [k] }).verify(token).key).toBe(k);
      expect(token).toBe(forge({ alg, kid: alg }, claims(), secret, alg));
    }
  });

  it('produces a token that another key does not verify', () => {
    const token = createJwtSigner({ key: createSecretJwtKey({ secret: OTHER_SECRET, kid: 'main' }) }).sign(claims());
    expect(refuse(token).reason).toBe('signature');
  });

  it('refuses a key whose secret is too short for its alg', () => {
    const short: JwtKey = { kid: 'short', alg: 'HS512', key: createSecretKey(Buffer.alloc(63, 1)) };
    expect(() => createJwtSigner({ key: short })).toThrow(TypeError);
  });
});

describe('integer claims beyond 2^53', () => {
  const key = createSecretJwtKey({ secret: 'lossless-test-secret-0123456789abcdef' });
  const clock = createManualClock(Date.parse('2030-01-01T00:00:00Z'));
  const now = clock.now() / 1000;
  /** Signs a payload written by hand, as Go's encoding/json writes an int64. */
  function tokenWithPayload(payload: string): string {
    const input = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
    return `${input}.${createHmac('sha256', key.key).update(input).digest('base64url')}`;
  }

  for (const cacheSize of [0, 1000]) {
    it(`come out as exact decimal strings, in every claim (cache ${cacheSize === 0 ? 'off' : 'on'})`, () => {
      const verifier = createJwtVerifier({ keys: [key], clock, verifiedTokenCacheSize: cacheSize });
      const ids = ['1234567890123456789', '1234567890123456790'];
      for (const id of ids) {
        const token = tokenWithPayload(
          `{"exp":${now + 60},"iat":${now},"userId":${id},"org":{"ids":[${id},7]},"small":9007199254740991}`,
        );
        for (let round = 0; round < 2; round += 1) {
          expect(verifier.verify(token).claims).toEqual({
            exp: now + 60,
            iat: now,
            userId: id,
            org: { ids: [id, 7] },
            small: 9007199254740991,
          });
        }
      }
    });
  }

  it('refuses a time claim too large for a number', () => {
    const verifier = createJwtVerifier({ keys: [key], clock });
    expect(refusal(() => verifier.verify(tokenWithPayload('{"exp":12345678901234567890}'))).reason).toBe('exp-missing');
    const iat = tokenWithPayload(`{"exp":${now + 60},"iat":12345678901234567890}`);
    expect(refusal(() => verifier.verify(iat)).reason).toBe('iat-type');
  });
});
