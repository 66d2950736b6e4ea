import { type AuthError, createManualClock, exportPublicJwk, generateJwtKey, type JwtKey } from '@jwtgate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createVerifier, type VerifierOptions } from '../src/index.js';
import { json, type RecordingServer, startRecordingServer } from './support/http-server.js';
import { refusal } from './support/refusal.js';
import { AUDIENCE, accessClaims, accessToken, hmacToken, ISSUER, withHeader } from './support/tokens.js';

const first = generateJwtKey('ES256', { kid: 'es-1' });
const second = generateJwtKey('EdDSA', { kid: 'ed-2' });
const jwks = (...keys: JwtKey[]) => ({ keys: keys.map(exportPublicJwk) });

describe('a verifier with a JWKS URL', () => {
  let issuer: RecordingServer;
  let clock: ReturnType<typeof createManualClock>;
  let errors: Error[];
  beforeEach(async () => {
    issuer = await startRecordingServer(json(jwks(first)));
    clock = createManualClock(Date.now());
    errors = [];
  });
  afterEach(() => issuer.close());

  const verifierWith = (overrides: Partial<VerifierOptions> = {}) =>
    createVerifier({
      jwksUrl: `${issuer.url}/jwks.json`,
      algorithms: ['ES256', 'EdDSA'],
      issuer: ISSUER,
      audience: AUDIENCE,
      clock,
      onError: (error) => errors.push(error),
      ...overrides,
    });

  it('fetches the set once, on first use, and verifies tokens of its keys', async () => {
    const verifier = verifierWith();
    expect(issuer.hits).toEqual([]);
    for (let i = 0; i < 5; i++) expect((await verifier.verify(accessToken(first))).sub).toBe('user-42');
    expect(issuer.hits).toEqual(['/jwks.json']);
  });

  it('shares one fetch among concurrent first requests', async () => {
    const verifier = verifierWith();
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(accessToken(first))));
    expect(results).toHaveLength(20);
    expect(issuer.hits).toHaveLength(1);
  });

  it('fetches again when a token names a key it does not know, and then accepts it', async () => {
    const verifier = verifierWith();
    await verifier.verify(accessToken(first));
    issuer.respond(json(jwks(first, second)));
    // Within the cooldown of the first fetch, the set is not fetched again.
    await refusal(verifier.verify(accessToken(second)));
    clock.advance(30_000);
    expect((await verifier.verify(accessToken(second))).sub).toBe('user-42');
    expect(issuer.hits).toHaveLength(2);
  });

  it('fetches at most once per cooldown however many unknown key ids arrive', async () => {
    const verifier = verifierWith({ jwks: { cooldownMs: 30_000 } });
    await verifier.verify(accessToken(first));
    clock.advance(30_000);
    const stranger = generateJwtKey('ES256', { kid: 'unknown' });
    for (let i = 0; i < 50; i++) {
      const forged = accessToken({ ...stranger, kid: `made-up-${i}` } as JwtKey);
      expect((await refusal(verifier.verify(forged))).reason).toBe('kid');
    }
    expect(issuer.hits).toHaveLength(2);
    clock.advance(30_000);
    await refusal(verifier.verify(accessToken({ ...stranger, kid: 'made-up-again' } as JwtKey)));
    expect(issuer.hits).toHaveLength(3);
    expect(new Set(issuer.hits)).toEqual(new Set(['/jwks.json']));
  });

  it.each([
    ['a path', '../../../etc/passwd'],
    ['a URL', 'https://attacker.example/jwks.json'],
    ['a SQL injection', "' OR '1'='1"],
    ['a header injection', 'k\r\nX-Injected: 1'],
    ['markup', '<script>alert(1)</script>'],
    ['a 2 kB string', 'k'.repeat(2048)],
  ])('never fetches for a kid that is %s, and never puts it in a URL', async (_, kid) => {
    const verifier = verifierWith();
    await verifier.verify(accessToken(first));
    clock.advance(60_000);
    const forged = withHeader(accessToken(first), { alg: 'ES256', typ: 'at+jwt', kid });
    const error = await refusal(verifier.verify(forged));
    expect(error.reason).toBe('kid');
    expect(error.message).not.toContain(kid);
    expect(issuer.hits).toEqual(['/jwks.json']);
  });

  it('refreshes stale keys in the background while answering from the cache', async () => {
    const verifier = verifierWith({ jwks: { maxAgeMs: 60_000 } });
    await verifier.verify(accessToken(first));
    clock.advance(60_000);
    expect((await verifier.verify(accessToken(first))).sub).toBe('user-42');
    await expect.poll(() => issuer.hits.length, { timeout: 5_000 }).toBe(2);
  });

  it('keeps verifying with the keys it has while the issuer is down', async () => {
    const verifier = verifierWith({ jwks: { maxAgeMs: 60_000 } });
    await verifier.verify(accessToken(first));
    await issuer.close();
    for (let i = 0; i < 5; i++) {
      clock.advance(61_000);
      expect((await verifier.verify(accessToken(first))).sub).toBe('user-42');
    }
    await expect.poll(() => errors.length, { timeout: 5_000 }).toBeGreaterThan(0);
    expect(errors[0]?.message).toMatch(/^fetching the JWKS from http:\/\/127\.0\.0\.1:\d+\/jwks\.json failed/);
  });

  it('answers ERR_KEYS_UNAVAILABLE (503, Retry-After) while it never had keys, and recovers', async () => {
    issuer.respond(json({ error: 'down' }, 503));
    const verifier = verifierWith();
    const error = await refusal(verifier.verify(accessToken(first)), 'ERR_KEYS_UNAVAILABLE');
    expect(error.status).toBe(503);
    expect(verifier.failure(error)).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
    // Failures back off: an immediate retry does not reach the issuer.
    await refusal(verifier.verify(accessToken(first)), 'ERR_KEYS_UNAVAILABLE');
    expect(issuer.hits).toHaveLength(1);
    issuer.respond(json(jwks(first)));
    clock.advance(1_000);
    expect((await verifier.verify(accessToken(first))).sub).toBe('user-42');
  });

  it('stops accepting a key the issuer no longer publishes', async () => {
    issuer.respond(json(jwks(first, second)));
    const verifier = verifierWith({ jwks: { maxAgeMs: 60_000 } });
    await verifier.verify(accessToken(second));
    issuer.respond(json(jwks(first)));
    clock.advance(60_000);
    await verifier.verify(accessToken(first));
    // Once the background refresh lands, no EdDSA key is left at all: the token's alg has no key any more.
    const outcome = () =>
      verifier.verify(accessToken(second)).then(
        () => 'accepted',
        (error: AuthError) => `${error.code} ${error.reason}`,
      );
    await expect.poll(outcome, { timeout: 5_000 }).toBe('ERR_TOKEN_INVALID alg');
    expect(issuer.hits).toHaveLength(2);
  });

  it('follows a key replaced under the same kid: the new key verifies and the old one stops', async () => {
    const verifier = verifierWith({ jwks: { maxAgeMs: 60_000 } });
    await verifier.verify(accessToken(first));
    const replacement = generateJwtKey('ES256', { kid: first.kid });
    issuer.respond(json(jwks(replacement)));
    clock.advance(60_000);
    await verifier.verify(accessToken(first));
    const outcome = (key: JwtKey) =>
      verifier.verify(accessToken(key)).then(
        () => 'accepted',
        (error: AuthError) => `${error.code} ${error.reason}`,
      );
    await expect.poll(() => outcome(replacement), { timeout: 5_000 }).toBe('accepted');
    expect(await outcome(first)).toBe('ERR_TOKEN_INVALID signature');
    expect(issuer.hits).toHaveLength(2);
  });

  it('fetches again, at most once per cooldown, when a signature fails under a kid it knows (a key replaced in place)', async () => {
    const verifier = verifierWith({ jwks: { maxAgeMs: 3_600_000, cooldownMs: 30_000 } });
    await verifier.verify(accessToken(first));
    const replacement = generateJwtKey('ES256', { kid: first.kid });
    issuer.respond(json(jwks(replacement)));
    clock.advance(30_000);
    // Long before the cache is stale, the issuer's new key verifies and its old one stops.
    await verifier.verify(accessToken(replacement));
    expect(issuer.hits).toHaveLength(2);
    await expect(verifier.verify(accessToken(first))).rejects.toMatchObject({ reason: 'signature' });
    // Forged signatures under a known kid do not turn into a flood of requests to the issuer.
    const forger = generateJwtKey('ES256', { kid: first.kid });
    for (let i = 0; i < 5; i++) {
      await expect(verifier.verify(accessToken(forger))).rejects.toMatchObject({ reason: 'signature' });
    }
    expect(issuer.hits).toHaveLength(2);
  });

  it('never takes an HMAC key from a JWKS, nor keys of algorithms not allowed', async () => {
    const secret = 'a-symmetric-key-published-by-mistake-0123';
    issuer.respond(
      json({
        keys: [
          { kty: 'oct', k: Buffer.from(secret).toString('base64url'), alg: 'HS256', kid: 'oct' },
          exportPublicJwk(generateJwtKey('RS256', { kid: 'rsa' })),
          exportPublicJwk(first),
        ],
      }),
    );
    const verifier = verifierWith({ algorithms: ['ES256', 'HS256'] });
    await verifier.verify(accessToken(first));
    const forged = hmacToken({ alg: 'HS256', typ: 'at+jwt', kid: 'oct' }, accessClaims(), secret);
    expect((await refusal(verifier.verify(forged))).reason).toBe('alg');
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('ignored 2 key(s)')]);
  });

  it.each([
    ['not JSON', (res: import('node:http').ServerResponse) => res.end('<html>')],
    ['not a JWK Set', (res: import('node:http').ServerResponse) => res.end('{"keys":"none"}')],
    [
      'larger than maxBytes',
      (res: import('node:http').ServerResponse) => res.end(JSON.stringify({ keys: [], pad: 'x'.repeat(300_000) })),
    ],
    [
      'a redirect',
      (res: import('node:http').ServerResponse) => {
        res.statusCode = 302;
        res.setHeader('location', '/elsewhere.json');
        res.end();
      },
    ],
  ])('treats an answer that is %s as a failed fetch', async (_, answer) => {
    issuer.respond((_, res) => answer(res));
    const verifier = verifierWith();
    await refusal(verifier.verify(accessToken(first)), 'ERR_KEYS_UNAVAILABLE');
    expect(issuer.hits).toEqual(['/jwks.json']);
    expect(errors).toHaveLength(1);
  });

  it('verifies with a static secret too, and then never answers 503 for want of the JWKS', async () => {
    issuer.respond(json({}, 500));
    const { createSecretJwtKey } = await import('@jwtgate/core');
    const secret = 'a-shared-secret-next-to-the-jwks-012345';
    const verifier = verifierWith({ algorithms: ['ES256', 'HS256'], secret });
    expect((await verifier.verify(accessToken(createSecretJwtKey({ secret })))).sub).toBe('user-42');
    await refusal(verifier.verify(accessToken(first)), 'ERR_TOKEN_INVALID');
  });
});
