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

  it('once full, keeps a new token only on its second sighting, in place of one not used since the hand passed', () => {
    const { verifier, sign } = setUp(key, { verifiedTokenCacheSize: 3 });
    const tokens = [0, 1, 2, 3].map((n) => sign({ jti: `t${n}` }));
    for (const token of tokens.slice(0, 3)) verifier.verify(token);
    // t0 and t2 are used again; t1 is not.
    verifier.verify(tokens[0] as string);
    verifier.verify(tokens[2] as string);
    // t3's first sighting finds the cache full: it is verified, not kept.
    expect(parsesDuring(() => verifier.verify(tokens[3] as string))).toBeGreaterThan(0);
    expect(parsesDuring(() => verifier.verify(tokens[3] as string))).toBeGreaterThan(0);
    // Its second sighting took t1's place, the one slot the hand found unused.
    expect(parsesDuring(() => verifier.verify(tokens[3] as string))).toBe(0);
    expect(parsesDuring(() => verifier.verify(tokens[0] as string))).toBe(0);
    expect(parsesDuring(() => verifier.verify(tokens[2] as string))).toBe(0);
    expect(parsesDuring(() => verifier.verify(tokens[1] as string))).toBeGreaterThan(0);
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
    const token = sign({ aud: ['api', 'other'], org: { id: 'org-1', teams: ['a'] }, grants: [{ scope: 'read' }] });
    const first = verifier.verify(token).claims as {
      aud: string[];
      org: { id: string; teams: string[] };
      grants: { scope: string }[];
    };
    expect(() => {
      (first.grants[0] as { scope: string }).scope = 'write';
    }).toThrow(TypeError);
    expect(() => first.aud.push('attacker')).toThrow(TypeError);
    expect(() => {
      first.org.id = 'org-2';
    }).toThrow(TypeError);
    expect(() => first.org.teams.push('b')).toThrow(TypeError);
    expect(verifier.verify(token).claims).toMatchObject({
      aud: ['api', 'other'],
      org: { id: 'org-1', teams: ['a'] },
      grants: [{ scope: 'read' }],
    });
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
    const name = (i: number) => `a-token-long-enough-${String(i).padStart(6, '0')}`;
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < 10_000; i += 1) cache.set(name(i), { value: i, expiresAt: NOW_MS + 1000 });
    }
    expect(cache.size).toBe(100);
    expect(cache.set(name(9999), { value: 9999, expiresAt: NOW_MS + 1000 })).toBe(true);
    expect(cache.get(name(9999), NOW_MS)?.value).toBe(9999);
    expect(cache.get(name(9999), NOW_MS + 1000)).toBeUndefined();
    expect(cache.size).toBe(99);
  });

  it('never answers a token with the entry of another, whatever the order of hits, misses, expiries and evictions', () => {
    // A reference model: whatever the cache keeps, what it returns must be what was stored under that very token.
    const cache = createVerifiedTokenCache<string>(50);
    const stored = new Map<string, { value: string; expiresAt: number }>();
    let seed = 42;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let now = NOW_MS;
    for (let step = 0; step < 20_000; step += 1) {
      const token = `token-of-user-${random(400)}-signature-${random(3)}`;
      now += random(3);
      if (random(2) === 0) {
        const entry = { value: `${token}@${step}`, expiresAt: now + 1 + random(500) };
        if (cache.set(token, entry)) stored.set(token, entry);
      } else {
        const hit = cache.get(token, now);
        if (hit !== undefined) {
          expect(hit).toBe(stored.get(token));
          expect(now).toBeLessThan(hit.expiresAt);
        }
      }
      expect(cache.size).toBeLessThanOrEqual(50);
    }
  });

  it('answers only the exact token stored, when two tokens end in the same characters', () => {
    const cache = createVerifiedTokenCache<string>(10);
    const ending = '.same-signature-ending';
    cache.set(`header.alice${ending}`, { value: 'alice', expiresAt: NOW_MS + 1000 });
    expect(cache.get(`header.mallory${ending}`, NOW_MS)).toBeUndefined();
    cache.set(`header.bob${ending}`, { value: 'bob', expiresAt: NOW_MS + 1000 });
    expect(cache.get(`header.bob${ending}`, NOW_MS)?.value).toBe('bob');
    expect(cache.get(`header.alice${ending}`, NOW_MS)).toBeUndefined();
  });

  it('takes a slot freed by an expired entry before evicting a live one', () => {
    const cache = createVerifiedTokenCache<number>(2);
    const name = (i: number) => `a-token-long-enough-${i}`;
    cache.set(name(1), { value: 1, expiresAt: NOW_MS + 10 });
    cache.set(name(2), { value: 2, expiresAt: NOW_MS + 1000 });
    expect(cache.get(name(1), NOW_MS + 10)).toBeUndefined();
    expect(cache.set(name(3), { value: 3, expiresAt: NOW_MS + 1000 })).toBe(true);
    expect(cache.get(name(2), NOW_MS)?.value).toBe(2);
    expect(cache.get(name(3), NOW_MS)?.value).toBe(3);
  });
});
