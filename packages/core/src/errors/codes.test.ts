import { describe, expect, it } from 'vitest';
import { AuthError, isAuthError } from './auth-error.js';
import { type ErrorCode, errorCodes, isErrorCode } from './codes.js';

const entries = Object.entries(errorCodes) as [ErrorCode, (typeof errorCodes)[ErrorCode]][];
// RFC 6750 §3.1, and RFC 9470 §3's insufficient_user_authentication.
const bearerErrors = [
  null,
  'invalid_request',
  'invalid_token',
  'insufficient_scope',
  'insufficient_user_authentication',
];

describe('errorCodes', () => {
  it('is not empty', () => {
    expect(entries.length).toBeGreaterThan(0);
  });

  it.each(entries)('gives %s an HTTP error status', (_, spec) => {
    expect(Number.isInteger(spec.status)).toBe(true);
    expect(spec.status).toBeGreaterThanOrEqual(400);
    expect(spec.status).toBeLessThan(600);
  });

  it.each(entries)('gives %s a non-empty message without placeholders', (_, spec) => {
    expect(spec.message.trim().length).toBeGreaterThan(0);
    expect(spec.message).not.toMatch(/\$\{|%s|\{\w+\}/);
  });

  it('names every code ERR_ in capitals', () => {
    for (const [code] of entries) expect(code).toMatch(/^ERR_[A-Z]+(_[A-Z]+)*$/);
  });

  it('gives every 401 code concerning access tokens a bearer error', () => {
    const accessTokenCodes = entries.filter(([code, spec]) => spec.status === 401 && code.startsWith('ERR_TOKEN_'));
    expect(accessTokenCodes.map(([code]) => code)).toEqual(
      expect.arrayContaining(['ERR_TOKEN_MISSING', 'ERR_TOKEN_INVALID', 'ERR_TOKEN_EXPIRED', 'ERR_TOKEN_REVOKED']),
    );
    for (const [code, spec] of accessTokenCodes) {
      expect(Object.hasOwn(spec, 'bearerError'), code).toBe(true);
      expect(bearerErrors, code).toContain((spec as { bearerError?: unknown }).bearerError);
    }
  });

  it('answers a missing token with a bare challenge and a bad one with invalid_token (RFC 6750 §3.1)', () => {
    expect(errorCodes.ERR_TOKEN_MISSING.bearerError).toBeNull();
    expect(errorCodes.ERR_TOKEN_INVALID.bearerError).toBe('invalid_token');
    expect(errorCodes.ERR_TOKEN_EXPIRED.bearerError).toBe('invalid_token');
    expect(errorCodes.ERR_TOKEN_REVOKED.bearerError).toBe('invalid_token');
  });

  it('uses only bearer errors that RFC 6750 and RFC 9470 define', () => {
    for (const [code, spec] of entries) {
      if (Object.hasOwn(spec, 'bearerError')) {
        expect(bearerErrors, code).toContain((spec as { bearerError?: unknown }).bearerError);
      }
    }
  });

  it('does not tell a client which part of an access token failed', () => {
    // Signature, alg, kid and claim failures all share ERR_TOKEN_INVALID; the reason stays internal.
    expect(errorCodes.ERR_TOKEN_INVALID.message).not.toMatch(/signature|alg|kid|claim/i);
  });
});

describe('isErrorCode', () => {
  it.each(entries.map(([code]) => code))('recognises %s', (code) => {
    expect(isErrorCode(code)).toBe(true);
  });

  it('rejects strings that are not codes, including prototype members', () => {
    for (const value of [
      '',
      'ERR_NOPE',
      'err_token_invalid',
      'ERR_TOKEN_INVALID ',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'valueOf',
    ]) {
      expect(isErrorCode(value), value).toBe(false);
    }
  });

  it('rejects values that are not strings', () => {
    for (const value of [undefined, null, 0, 401, {}, ['ERR_TOKEN_INVALID'], new String('ERR_TOKEN_INVALID')]) {
      expect(isErrorCode(value)).toBe(false);
    }
  });
});

describe('AuthError', () => {
  it.each(entries)('has the status of %s from the table', (code, spec) => {
    expect(new AuthError(code).status).toBe(spec.status);
  });

  it('defaults its message to the code message', () => {
    const error = new AuthError('ERR_TOKEN_EXPIRED');
    expect(error.message).toBe(errorCodes.ERR_TOKEN_EXPIRED.message);
    expect(error.code).toBe('ERR_TOKEN_EXPIRED');
    expect(error.status).toBe(401);
  });

  it('is an Error named AuthError with a stack', () => {
    const error = new AuthError('ERR_INTERNAL');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('AuthError');
    expect(error.stack).toContain('AuthError');
  });

  it('keeps a custom message, reason, cause and headers', () => {
    const cause = new Error('database gone');
    const error = new AuthError('ERR_STORE_UNAVAILABLE', {
      message: 'Try again shortly',
      reason: 'sqlite-busy',
      cause,
      headers: { 'Retry-After': '1' },
    });
    expect(error.message).toBe('Try again shortly');
    expect(error.reason).toBe('sqlite-busy');
    expect(error.cause).toBe(cause);
    expect(error.headers).toEqual({ 'Retry-After': '1' });
    expect(error.status).toBe(503);
  });

  it('leaves reason, cause and headers undefined when not given', () => {
    const error = new AuthError('ERR_NOT_FOUND');
    expect([error.reason, error.cause, error.headers]).toEqual([undefined, undefined, undefined]);
  });

  it('keeps the reason out of the message', () => {
    const error = new AuthError('ERR_TOKEN_INVALID', { reason: 'signature' });
    expect(error.message).not.toContain('signature');
    expect(String(error)).not.toContain('signature');
  });
});

describe('isAuthError', () => {
  it('recognises an AuthError, optionally of one code', () => {
    const error = new AuthError('ERR_TOKEN_EXPIRED');
    expect(isAuthError(error)).toBe(true);
    expect(isAuthError(error, 'ERR_TOKEN_EXPIRED')).toBe(true);
    expect(isAuthError(error, 'ERR_TOKEN_INVALID')).toBe(false);
  });

  it('rejects other errors and look-alikes', () => {
    const lookAlike = Object.assign(new Error('x'), { name: 'AuthError', code: 'ERR_TOKEN_EXPIRED' });
    for (const value of [
      new Error('x'),
      new TypeError('x'),
      lookAlike,
      { code: 'ERR_TOKEN_EXPIRED' },
      null,
      undefined,
    ]) {
      expect(isAuthError(value)).toBe(false);
      expect(isAuthError(value, 'ERR_TOKEN_EXPIRED')).toBe(false);
    }
  });
});
