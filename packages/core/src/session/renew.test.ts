import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import { accessTokenType } from '../token/claims.js';
import { createSecretJwtKey } from '../token/key.js';
import { createJwtSigner } from '../token/sign.js';
import { createExpiredTokenVerifier } from './renew.js';

const START = Date.parse('2030-01-01T00:00:00Z');
const SECRET = 'renew-test-secret-0123456789abcdefghij';
const key = createSecretJwtKey({ secret: SECRET, kid: 'main' });
const signer = createJwtSigner({ key, typ: accessTokenType });

function claims(overrides: Record<string, unknown> = {}) {
  const iat = START / 1000;
  return {
    iss: 'jwtgate',
    aud: 'jwtgate',
    sub: 'user-1',
    sid: 'AAAAAAAAAAAAAAAAAAAAAA',
    role: 'user',
    jti: 'jti-1',
    iat,
    exp: iat + 60,
    ...overrides,
  };
}

function setUp() {
  const clock = createManualClock(START);
  const verifyExpired = createExpiredTokenVerifier({
    keys: [key],
    issuer: 'jwtgate',
    audience: 'jwtgate',
    clockToleranceSec: 5,
    clock,
  });
  return { clock, verifyExpired };
}

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('ERR_TOKEN_INVALID');
    return (error as AuthError).reason;
  }
  expect.fail('expected the token to be refused');
}

function hand(header: object, payload: object, secret = SECRET): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('createExpiredTokenVerifier', () => {
  it('accepts a genuine token once it has expired, leeway included, and returns its claims', () => {
    const { clock, verifyExpired } = setUp();
    const token = signer.sign(claims());
    clock.advance(65_000);
    expect(verifyExpired(token).sid).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    clock.advance(30 * 86_400_000);
    expect(verifyExpired(token).jti).toBe('jti-1');
  });

  it('refuses a token that has not expired yet, even inside the leeway', () => {
    const { clock, verifyExpired } = setUp();
    const token = signer.sign(claims());
    expect(reasonOf(() => verifyExpired(token))).toBe('not-expired');
    clock.advance(64_000);
    expect(reasonOf(() => verifyExpired(token))).toBe('not-expired');
  });

  it('still checks the signature, issuer, audience, type and required claims of an expired token', () => {
    const { clock, verifyExpired } = setUp();
    clock.advance(3_600_000);
    const header = { alg: 'HS256', typ: 'at+jwt', kid: 'main' };
    expect(reasonOf(() => verifyExpired(hand(header, claims(), 'another-secret-0123456789abcdefghijkl')))).toBe(
      'signature',
    );
    expect(reasonOf(() => verifyExpired(hand(header, claims({ iss: 'someone-else' }))))).toBe('iss');
    expect(reasonOf(() => verifyExpired(hand(header, claims({ aud: 'another-api' }))))).toBe('aud');
    expect(reasonOf(() => verifyExpired(hand({ ...header, typ: 'JWT' }, claims())))).toBe('typ');
    expect(reasonOf(() => verifyExpired(hand({ ...header, alg: 'none' }, claims())))).toBe('alg');
    expect(reasonOf(() => verifyExpired(hand(header, claims({ sid: undefined }))))).toBe('claim-sid');
    expect(reasonOf(() => verifyExpired(hand(header, claims({ exp: 'soon' }))))).toBe('exp-missing');
  });

  it('refuses a tampered payload although the expiry it read was plausible', () => {
    const { clock, verifyExpired } = setUp();
    const [h, , s] = signer.sign(claims()).split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims({ sub: 'admin' }))).toString('base64url')}.${s}`;
    clock.advance(3_600_000);
    expect(reasonOf(() => verifyExpired(tampered))).toBe('signature');
  });

  it('refuses what is not a token at all', () => {
    const { clock, verifyExpired } = setUp();
    clock.advance(3_600_000);
    for (const input of [
      '',
      'abc',
      'a.b',
      'a.%%%.c',
      `a.${Buffer.from('[1]').toString('base64url')}.c`,
      'x'.repeat(9000),
    ]) {
      expect(() => verifyExpired(input)).toThrow(AuthError);
    }
  });

  it('leaves the ordinary verification of live tokens untouched by its pinned clock', () => {
    const { clock, verifyExpired } = setUp();
    const expired = signer.sign(claims());
    clock.advance(3_600_000);
    verifyExpired(expired);
    // A second expired check right after pins the clock again; nothing leaks between calls.
    const later = signer.sign(claims({ iat: clock.now() / 1000, exp: clock.now() / 1000 + 60 }));
    expect(reasonOf(() => verifyExpired(later))).toBe('not-expired');
  });
});
