import { describe, expect, it } from 'vitest';
import { AuthError } from '../errors/auth-error.js';
import { ACR_MFA, acrOf, assertAuthentication, assertStepUpRequirement } from './step-up.js';

const now = 1_800_000_000_000;
const at = (secondsAgo: number) => now / 1000 - secondsAgo;

function refusal(run: () => void): AuthError {
  try {
    run();
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('assertAuthentication', () => {
  it('lets a two-factor sign-in through a route that requires one', () => {
    expect(() =>
      assertAuthentication({ amr: ['pwd', 'otp', 'mfa'], auth_time: at(10) }, { requireMfa: true }, now),
    ).not.toThrow();
  });

  it('refuses a password-only sign-in, asking for the two-factor class', () => {
    const error = refusal(() => assertAuthentication({ amr: ['pwd'], auth_time: at(10) }, { requireMfa: true }, now));
    expect(error.code).toBe('ERR_INSUFFICIENT_AUTHENTICATION');
    expect(error.challenge).toEqual({ acrValues: [ACR_MFA] });
  });

  it('refuses a sign-in older than the maximum age, naming it as max_age', () => {
    expect(() => assertAuthentication({ amr: ['pwd'], auth_time: at(299) }, { maxAuthAgeSec: 300 }, now)).not.toThrow();
    const error = refusal(() =>
      assertAuthentication({ amr: ['pwd'], auth_time: at(301) }, { maxAuthAgeSec: 300 }, now),
    );
    expect(error.challenge).toEqual({ maxAge: 300 });
  });

  it('treats a token without amr or auth_time as meeting neither requirement', () => {
    expect(refusal(() => assertAuthentication({}, { requireMfa: true }, now)).code).toBe(
      'ERR_INSUFFICIENT_AUTHENTICATION',
    );
    expect(refusal(() => assertAuthentication({ amr: 'mfa' }, { requireMfa: true }, now)).code).toBe(
      'ERR_INSUFFICIENT_AUTHENTICATION',
    );
    expect(refusal(() => assertAuthentication({ auth_time: '0' }, { maxAuthAgeSec: 60 }, now)).code).toBe(
      'ERR_INSUFFICIENT_AUTHENTICATION',
    );
  });

  it('names the two classes of sign-in', () => {
    expect(acrOf(['pwd'])).not.toBe(ACR_MFA);
    expect(acrOf(['pwd', 'otp', 'mfa'])).toBe(ACR_MFA);
  });

  it('refuses requirements that make no sense at construction', () => {
    expect(() => assertStepUpRequirement({ maxAuthAgeSec: -1 })).toThrow(TypeError);
    expect(() => assertStepUpRequirement({ maxAuthAgeSec: 1.5 })).toThrow(TypeError);
    expect(() => assertStepUpRequirement({ maxAuthAgeSec: 0, requireMfa: true })).not.toThrow();
  });
});
