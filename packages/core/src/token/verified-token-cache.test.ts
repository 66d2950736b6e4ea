import { describe, expect, it, vi } from 'vitest';
import { refusal } from '../../test/support/refusal.js';
import { createManualClock } from '../clock.js';
import { accessTokenType } from './claims.js';
import { generateJwtKey } from './generate-key.js';
import { createSecretJwtKey, type JwtKey } from './key.js';
import { createJwtSigner } from './sign.js';
import { createVerifiedTokenCache } from './verified-token-cache.js';
import { createJwtVerifier, DEFAULT_VERIFIED_TOKEN_CACHE_SIZE, type JwtVerifierOptions } from './verify.js';

const NOW_MS = Date.parse('2030-01-01T00:00:00Z');
const NOW = NOW_MS / 1000;

function claims(overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return { iss: 'jwtgate', aud: 'api', sub: 'user-1', sid: 'session-1', iat: NOW, exp: NOW + 600, ...overrides };
}

function setUp(key: JwtKey, options: Partial<JwtVerifierOptions> = {}) {
  const clock = createManualClock(NOW_MS);
  const verifier = createJwtVerifier({ keys: [key], issuer: 'jwtgate', audience: 'api', clock, ...options });
  const sign = (overrides: Readonly<Record<string, unknown>> = {}) =>
    createJwtSigner({ key, typ: accessTokenType }).sign(claims(overrides));
  return { clock, verifier, sign };
}

/**
 * Whether `run` verified a token in full. A full verification parses the
 * payload (JSON.parse) right after the signature check; a hit of the cache
 * parses nothing, so counting parses tells the two apart.
 */
function parsesDuring(run: () => void): number {
  const parses = vi.spyOn(JSON, 'parse');
  try {
    run();
    return parses.mock.calls.length;
  } finally {
    parses.mockRestore();
  }
}

function alterPayload(token: string, overrides: Readonly<Record<string, unknown>>): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const altered = { ...JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')), ...overrides };
  return `${header}.${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${signature}`;
}

describe('the cache of verified tokens', () => {
  for (const alg of ['EdDSA', 'ES256', 'HS256'] as const) {
    const key =
      alg === 'HS256' ? createSecretJwtKey({ secret: 'cache-test-secret-0123456789abcdefgh' }) : generateJwtKey(alg);

    it(`returns the same claims for a repeated ${alg} token without checking it again`, () => {
      const { verifier, sign } = setUp(key);
      const token = sign();
      const first = verifier.verify(token);
      expect(parsesDuring(() => expect(verifier.verify(token)).toBe(first))).toBe(0);
      expect(first.claims).toMatchObject({ sub: 'user-1', sid: 'session-1' });
    });

    it(`refuses a ${alg} token whose payload or signature was altered after the genuine one was cached`, () => {
      const { verifier, sign } = setUp(key);
      const token = sign();
      verifier.verify(token);
      expect(refusal(() => verifier.verify(alterPayload(token, { sub: 'admin' }))).reason).toBe('signature');
      const flipped = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
      expect(refusal(() => verifier.verify(flipped)).reason).toBe('signature');
      expect(refusal(() => verifier.verify(`${token}x`)).reason).toBe('signature');
    });
  }

  const key = createSecretJwtKey({ secret: 'cache-test-secret-0123456789abcdefgh' });

  it('refuses a cached token once its exp (plus leeway) has passed, with ERR_TOKEN_EXPIRED', () => {
    const { clock, verifier, sign } = setUp(key, { clockToleranceSec: 5 });
    const token = sign({ exp: NOW + 60 });
    verifier.verify(token);
    clock.advance(65_000 - 1);
    verifier.verify(token);
    clock.advance(1);
    refusal(() => verifier.verify(token), 'ERR_TOKEN_EXPIRED');
    refusal(() => verifier.verify(token), 'ERR_TOKEN_EXPIRED');
  });

  it('checks nbf and iat against the clock on every hit, even when the clock goes back', () => {
    const { clock, verifier, sign } = setUp(key);
    const token = sign({ nbf: NOW });
    verifier.verify(token);
    clock.set(NOW_MS - 10_000);
    expect(refusal(() => verifier.verify(token)).reason).toBe('nbf');
  });

  it("refuses a cached token once its key's notAfter has passed", () => {
    const retiring = createSecretJwtKey({ secret: 'a-secret-being-rotated-out-0123456789', notAfter: NOW_MS + 30_000 });
    const { clock, verifier, sign } = setUp(retiring);
    const token = sign();
    verifier.verify(token);
    clock.advance(30_000);
    verifier.verify(token);
    clock.advance(1);
    expect(refusal(() => verifier.verify(token)).reason).toBe('key-retired');
  });

  it('never stores a refused token', () => {
    const { verifier, sign } = setUp(key);
    const wrongAudience = sign({ aud: 'billing' });
    expect(refusal(() => verifier.verify(wrongAudience)).reason).toBe('aud');
    expect(parsesDuring(() => refusal(() => verifier.verify(wrongAudience)))).toBeGreaterThan(0);
  });

  it('checks every signature again when turned off', () => {
    const { verifier, sign } = setUp(key, { verifiedTokenCacheSize: 0 });
    const token = sign();
    verifier.verify(token);
    expect(parsesDuring(() => verifier.verify(token))).toBeGreaterThan(0);
  });

  it('keeps at most its size, dropping the least recently used token first', () => {
    const { verifier, sign } = setUp(key, { verifiedTokenCacheSize: 3 });
    const tokens = [0, 1, 2, 3].map((n) => sign({ jti: `t${n}` }));
    for (const token of tokens.slice(0, 3)) verifier.verify(token);
    verifier.verify(tokens[0] as string);
    verifier.verify(tokens[3] as string);
    // t1 was the least recently used: it is gone, the others are still there.
    expect(parsesDuring(() => verifier.verify(tokens[1] as string))).toBeGreaterThan(0);
    expect(parsesDuring(() => verifier.verify(tokens[3] as string))).toBe(0);
  });

  it('hands out frozen claims, so one caller cannot change what the next one sees', () => {
    const { verifier, sign } = setUp(key);
    const token = sign();
    const { claims: first } = verifier.verify(token);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => {
      (first as Record<string, unknown>).role = 'admin';
    }).toThrow(TypeError);
    expect(verifier.verify(token).claims).not.toHaveProperty('role');
  });

  it('freezes nested claims too: an audience list or a custom object is shared by every caller', () => {
    const { verifier, sign } = setUp(key);
    const token = sign({ aud: ['api', 'other'], org: { id: 'org-1', teams: ['a'] } });
    const first = verifier.verify(token).claims as { aud: string[]; org: { id: string; teams: string[] } };
    expect(() => first.aud.push('attacker')).toThrow(TypeError);
    expect(() => {
      first.org.id = 'org-2';
    }).toThrow(TypeError);
    expect(() => first.org.teams.push('b')).toThrow(TypeError);
    expect(verifier.verify(token).claims).toMatchObject({ aud: ['api', 'other'], org: { id: 'org-1', teams: ['a'] } });
  });

  it("drops an entry at the first whole millisecond past its key's fractional notAfter, as the full check does", () => {
    const retiring = createSecretJwtKey({ secret: 'a-secret-being-rotated-out-0123456789', notAfter: NOW_MS + 1000.5 });
    const { clock, verifier, sign } = setUp(retiring);
    const token = sign();
    verifier.verify(token);
    clock.set(NOW_MS + 1000);
    expect(verifier.verify(token).claims.sub).toBe('user-1');
    clock.set(NOW_MS + 1001);
    expect(refusal(() => verifier.verify(token)).reason).toBe('key-retired');
  });

  it('is on by default and refuses a size that is not a whole number >= 0', () => {
    expect(DEFAULT_VERIFIED_TOKEN_CACHE_SIZE).toBeGreaterThan(0);
    expect(() => setUp(key, { verifiedTokenCacheSize: -1 })).toThrow(TypeError);
    expect(() => setUp(key, { verifiedTokenCacheSize: 1.5 })).toThrow(TypeError);
    expect(() => createVerifiedTokenCache(0)).toThrow(TypeError);
  });

  it('holds a bounded number of entries whatever is stored', () => {
    const cache = createVerifiedTokenCache<number>(100);
    for (let i = 0; i < 10_000; i += 1) cache.set(`token-${i}`, { value: i, expiresAt: NOW_MS + 1000 });
    expect(cache.size).toBe(100);
    expect(cache.get('token-9999', NOW_MS)?.value).toBe(9999);
    expect(cache.get('token-0', NOW_MS)).toBeUndefined();
    expect(cache.get('token-9999', NOW_MS + 1000)).toBeUndefined();
    expect(cache.size).toBe(99);
  });
});
