import { generateKeyPairSync } from 'node:crypto';
import { createManualClock, createSecretJwtKey, exportPublicJwk, generateJwtKey } from '@jwtgate/core';
import { describe, expect, it } from 'vitest';
import { refusal } from '../../test/support/refusal.js';
import { AUDIENCE, accessToken, GO_ZERO_SECRET, goZeroToken, ISSUER, SECRET } from '../../test/support/tokens.js';
import { createVerifier, type VerifierOptions } from './create-verifier.js';

const key = createSecretJwtKey({ secret: SECRET });
const base: VerifierOptions = { secret: SECRET, algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE };

describe('createVerifier', () => {
  describe('jwtgate access tokens', () => {
    it('accepts a token of the issuer and returns its claims, custom ones included', async () => {
      const claims = await createVerifier(base).verify(accessToken(key, { plan: 'team' }));
      expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: 'user-42', role: 'user', plan: 'team' });
    });

    it('refuses a token for another audience or from another issuer', async () => {
      const verifier = createVerifier(base);
      expect((await refusal(verifier.verify(accessToken(key, { aud: 'billing' })))).reason).toBe('aud');
      expect((await refusal(verifier.verify(accessToken(key, { iss: 'someone' })))).reason).toBe('iss');
    });

    it('accepts any of several audiences', async () => {
      const verifier = createVerifier({ ...base, audience: ['search-api', 'orders-api'] });
      expect((await verifier.verify(accessToken(key, { aud: ['jwtgate', 'orders-api'] }))).aud).toEqual([
        'jwtgate',
        'orders-api',
      ]);
    });

    it('refuses an expired token after the clock leeway, with ERR_TOKEN_EXPIRED', async () => {
      const clock = createManualClock(Date.now());
      const verifier = createVerifier({ ...base, clock, clockToleranceSec: 30 });
      const token = accessToken(key, { exp: Math.floor(clock.now() / 1000) + 60 });
      clock.advance(89_000);
      await verifier.verify(token);
      clock.advance(1_000);
      await refusal(verifier.verify(token), 'ERR_TOKEN_EXPIRED');
    });

    it('refuses a JWT that is not an access token (typ), or lacks sid', async () => {
      const verifier = createVerifier(base);
      const { createJwtSigner } = await import('@jwtgate/core');
      const plain = createJwtSigner({ key, typ: 'JWT' }).sign({ iss: ISSUER, aud: AUDIENCE, exp: 2e9 });
      expect((await refusal(verifier.verify(plain))).reason).toBe('typ');
      expect((await refusal(verifier.verify(accessToken(key, { sid: undefined })))).reason).toBe('claim-sid');
    });

    it('accepts tokens of every secret listed, as during a rotation', async () => {
      const previous = 'the-previous-shared-secret-0123456789abc';
      const verifier = createVerifier({ ...base, secret: [SECRET, previous] });
      await verifier.verify(accessToken(key));
      await verifier.verify(accessToken(createSecretJwtKey({ secret: previous })));
    });

    it('refuses the tokens of a revoked session', async () => {
      const token = accessToken(key, { sid: 'revoked-session' });
      const verifier = createVerifier({ ...base, revocations: { has: (sid) => sid === 'revoked-session' } });
      await refusal(verifier.verify(token), 'ERR_TOKEN_REVOKED');
      await verifier.verify(accessToken(key));
    });

    it('answers every refusal as a rejected promise, never a synchronous throw', async () => {
      const verifier = createVerifier(base);
      const missing = verifier.authenticate({});
      const malformed = verifier.verify('not-a-jwt');
      const tooLong = verifier.verify('x'.repeat(10_000));
      expect(missing).toBeInstanceOf(Promise);
      await refusal(missing, 'ERR_TOKEN_MISSING');
      await refusal(malformed);
      expect((await refusal(tooLong)).reason).toBe('length');
    });

    it('refuses a token revoked after it was verified (and cached) once', async () => {
      const revoked = new Set<string>();
      const verifier = createVerifier({ ...base, revocations: { has: (sid) => revoked.has(sid) } });
      const token = accessToken(key, { sid: 'session-to-end' });
      await verifier.verify(token);
      await verifier.verify(token);
      revoked.add('session-to-end');
      await refusal(verifier.verify(token), 'ERR_TOKEN_REVOKED');
    });

    it('verifies with public keys given as PEM, JWK or KeyObject', async () => {
      const ec = generateJwtKey('ES256', { kid: 'ec' });
      const ed = generateJwtKey('EdDSA', { kid: 'ed' });
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const rsaKey = generateJwtKey('PS256', { kid: 'ps' });
      const verifier = createVerifier({
        algorithms: ['ES256', 'EdDSA', 'PS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        publicKeys: [
          { key: exportPublicJwk(ec) },
          { key: ed.key, kid: 'ed' },
          { key: rsaKey.key.export({ type: 'pkcs8', format: 'pem' }) as string, alg: 'PS256', kid: 'ps' },
          { key: rsa.publicKey, alg: 'PS256', kid: 'other' },
        ],
      });
      for (const signingKey of [ec, ed, rsaKey]) {
        expect((await verifier.verify(accessToken(signingKey))).sub).toBe('user-42');
      }
    });
  });

  describe('tokens made by go-zero', () => {
    it('accepts a go-zero token with goZero: true and exposes its custom claims', async () => {
      const verifier = createVerifier({ secret: GO_ZERO_SECRET, algorithms: ['HS256'], goZero: true });
      const claims = await verifier.verify(goZeroToken(GO_ZERO_SECRET, { userId: 1 }));
      expect(claims.userId).toBe(1);
      expect(Object.keys(claims).sort()).toEqual(['exp', 'iat', 'userId']);
    });

    it('keeps int64 user ids beyond 2^53 exact, as decimal strings, where JSON.parse would make two users one', async () => {
      const verifier = createVerifier({ secret: GO_ZERO_SECRET, algorithms: ['HS256'], goZero: true });
      const first = goZeroToken(GO_ZERO_SECRET, { userId: 1234567890123456789n, small: 42n });
      const second = goZeroToken(GO_ZERO_SECRET, { userId: 1234567890123456790n, small: 42n });
      expect(Buffer.from(first.split('.')[1] ?? '', 'base64url').toString()).toContain('"userId":1234567890123456789}');
      for (let round = 0; round < 2; round += 1) {
        expect(await verifier.verify(first)).toMatchObject({ userId: '1234567890123456789', small: 42 });
        expect(await verifier.verify(second)).toMatchObject({ userId: '1234567890123456790', small: 42 });
      }
    });

    it('refuses go-zero tokens without goZero: they have no typ at+jwt, iss or aud', async () => {
      const verifier = createVerifier({ ...base, secret: GO_ZERO_SECRET });
      expect((await refusal(verifier.verify(goZeroToken(GO_ZERO_SECRET, { userId: 1 })))).reason).toBe('typ');
    });

    it('still checks the signature, the algorithm and the time of go-zero tokens', async () => {
      const clock = createManualClock(Date.now());
      const verifier = createVerifier({ secret: GO_ZERO_SECRET, algorithms: ['HS256'], goZero: true, clock });
      await refusal(verifier.verify(goZeroToken('another-secret-of-thirty-two-bytes-xx', { userId: 1 })));
      const token = goZeroToken(GO_ZERO_SECRET, { userId: 1 }, { iat: Math.floor(clock.now() / 1000), seconds: 60 });
      clock.advance(66_000);
      await refusal(verifier.verify(token), 'ERR_TOKEN_EXPIRED');
    });

    it('judges an at+jwt token by the jwtgate rules even in a mixed verifier', async () => {
      const verifier = createVerifier({ ...base, goZero: true });
      // Signed with the shared secret but for another audience: the looser go-zero rules must not take it.
      expect((await refusal(verifier.verify(accessToken(key, { aud: 'billing' })))).reason).toBe('aud');
      expect((await verifier.verify(goZeroToken(SECRET, { userId: 7 }))).userId).toBe(7);
    });

    it('refuses jwtgate tokens in a go-zero-only verifier rather than skip their iss and aud checks', async () => {
      const verifier = createVerifier({ secret: SECRET, algorithms: ['HS256'], goZero: true });
      expect((await refusal(verifier.verify(accessToken(key)))).reason).toBe('typ');
    });

    it('can take go-zero tokens signed with a secret of their own', async () => {
      const verifier = createVerifier({ ...base, goZero: { secret: GO_ZERO_SECRET } });
      expect((await verifier.verify(goZeroToken(GO_ZERO_SECRET, { userId: 3 }))).userId).toBe(3);
      // The go-zero secret does not vouch for jwtgate tokens.
      await refusal(verifier.verify(accessToken(createSecretJwtKey({ secret: GO_ZERO_SECRET }))));
    });
  });

  describe('authenticate', () => {
    it('reads a Bearer token, and the bare go-zero form only when asked to', async () => {
      const token = accessToken(key);
      const verifier = createVerifier(base);
      expect((await verifier.authenticate({ authorization: `Bearer ${token}` })).sub).toBe('user-42');
      await refusal(verifier.authenticate({ authorization: token }), 'ERR_TOKEN_MISSING');
      const bare = createVerifier({ ...base, tokenFrom: ['bearer', 'bare'] });
      expect((await bare.authenticate({ authorization: token })).sub).toBe('user-42');
    });

    it('reads the bare form by default with goZero, as go-zero clients send it', async () => {
      const verifier = createVerifier({ secret: GO_ZERO_SECRET, algorithms: ['HS256'], goZero: true });
      expect((await verifier.authenticate({ authorization: goZeroToken(GO_ZERO_SECRET, { userId: 1 }) })).userId).toBe(
        1,
      );
    });

    it('reads a cookie when told which', async () => {
      const token = accessToken(key);
      const verifier = createVerifier({ ...base, tokenFrom: [{ cookie: 'access_token' }] });
      expect((await verifier.authenticate({ method: 'GET', cookie: `theme=dark; access_token=${token}` })).sub).toBe(
        'user-42',
      );
      await refusal(verifier.authenticate({ authorization: `Bearer ${token}` }), 'ERR_TOKEN_MISSING');
    });

    it('answers ERR_TOKEN_INVALID, not MISSING, for an empty Bearer credential', async () => {
      await refusal(createVerifier(base).authenticate({ authorization: 'Bearer ' }), 'ERR_TOKEN_INVALID');
    });
  });

  describe('construction', () => {
    it.each<[string, Partial<VerifierOptions> & Record<string, unknown>, RegExp]>([
      ['no algorithms', { algorithms: [] }, /algorithms/],
      ['alg none', { algorithms: ['none' as 'HS256'] }, /"none" is not one of/],
      ['an issuer without an audience', { audience: undefined }, /both `issuer` and `audience`/],
      ['neither jwtgate rules nor goZero', { issuer: undefined, audience: undefined }, /or `goZero: true`/],
      ['no keys at all', { secret: undefined }, /needs keys/],
      ['a secret whose algorithm is not allowed', { algorithms: ['ES256'] }, /not in `algorithms`/],
      ['a short secret', { secret: 'too short' }, /at least 32/],
      [
        'goZero without a secret',
        { secret: undefined, publicKeys: [{ key: generateJwtKey('ES256').key }], algorithms: ['ES256'], goZero: true },
        /goZero/,
      ],
      ['an unknown token source', { tokenFrom: ['query' as 'bearer'] }, /tokenFrom/],
      ['a cookie name with a space', { tokenFrom: [{ cookie: 'a b' }] }, /tokenFrom/],
      ['a plain-http JWKS URL to another host', { jwksUrl: 'http://auth.example.com/jwks.json' }, /https/],
      ['a JWKS URL with credentials', { jwksUrl: 'https://user:pw@auth.example.com/jwks.json' }, /credentials/],
      ['a negative cache size', { verifiedTokenCacheSize: -1 }, /verifiedTokenCacheSize/],
      ['a fractional cache size', { verifiedTokenCacheSize: 1.5 }, /verifiedTokenCacheSize/],
    ])('throws a TypeError for %s', (_, overrides, message) => {
      expect(() => createVerifier({ ...base, ...overrides } as VerifierOptions)).toThrow(message);
      expect(() => createVerifier({ ...base, ...overrides } as VerifierOptions)).toThrow(TypeError);
    });

    describe('refuses a public key passed as a shared secret (HS/RS confusion by configuration)', () => {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const der = publicKey.export({ type: 'spki', format: 'der' });
      it.each([
        ['SPKI PEM', publicKey.export({ type: 'spki', format: 'pem' }) as string],
        ['PKCS#1 PEM', publicKey.export({ type: 'pkcs1', format: 'pem' }) as string],
        ['JWK JSON', JSON.stringify(publicKey.export({ format: 'jwk' }))],
        ['DER in base64', der.toString('base64')],
        ['PKCS#1 DER in base64', publicKey.export({ type: 'pkcs1', format: 'der' }).toString('base64')],
        ['DER bytes', der],
      ])('in %s form', (_, secret) => {
        expect(() => createVerifier({ ...base, secret })).toThrow(/is a public key, not a shared secret/);
      });
    });

    it('refuses a secret passed as a public key', () => {
      expect(() =>
        createVerifier({
          ...base,
          secret: undefined,
          algorithms: ['ES256'],
          publicKeys: [{ key: { kty: 'oct', k: 'c2VjcmV0' } }],
        }),
      ).toThrow(/oct/);
    });

    it('refuses a public key whose algorithm is not allowed', () => {
      expect(() =>
        createVerifier({ ...base, algorithms: ['HS256'], publicKeys: [{ key: generateJwtKey('ES256').key }] }),
      ).toThrow(/ES256 is not in `algorithms`/);
    });
  });
});
