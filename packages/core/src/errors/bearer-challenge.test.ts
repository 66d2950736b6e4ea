import { describe, expect, it } from 'vitest';
import { AuthError } from './auth-error.js';
import { bearerChallenge } from './bearer-challenge.js';

describe('bearerChallenge', () => {
  it('is bare when no token was presented (RFC 6750 §3.1)', () => {
    expect(bearerChallenge(new AuthError('ERR_TOKEN_MISSING'), 'api')).toBe('Bearer realm="api"');
    expect(bearerChallenge(new AuthError('ERR_TOKEN_MISSING'))).toBe('Bearer');
  });

  it('names invalid_token and the public message for a refused token', () => {
    expect(bearerChallenge(new AuthError('ERR_TOKEN_EXPIRED'), 'api')).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token has expired"',
    );
    expect(bearerChallenge(new AuthError('ERR_TOKEN_INVALID', { reason: 'signature' }))).toBe(
      'Bearer error="invalid_token", error_description="The access token is invalid"',
    );
  });

  it('asks for a stronger or fresher sign-in with RFC 9470 parameters', () => {
    const error = new AuthError('ERR_INSUFFICIENT_AUTHENTICATION', {
      challenge: { acrValues: ['urn:jwtgate:acr:mfa'], maxAge: 300 },
    });
    expect(bearerChallenge(error, 'api')).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="This needs a stronger or more recent sign-in", acr_values="urn:jwtgate:acr:mfa", max_age=300',
    );
  });

  it('is undefined for codes that do not concern a bearer token', () => {
    expect(bearerChallenge(new AuthError('ERR_INVALID_CREDENTIALS'), 'api')).toBeUndefined();
    expect(bearerChallenge(new AuthError('ERR_KEYS_UNAVAILABLE'), 'api')).toBeUndefined();
  });

  it('keeps a realm outside printable ASCII out of the header, so it is always a valid header value', () => {
    const challenge = bearerChallenge(new AuthError('ERR_TOKEN_MISSING'), 'Zahlungsdienst € café\u2028');
    expect(challenge).toBe('Bearer realm="Zahlungsdienst  caf"');
    expect(challenge).toMatch(/^[\x20-\x7e]+$/);
  });

  it('cannot be made to carry extra parameters through the realm', () => {
    const challenge = bearerChallenge(new AuthError('ERR_TOKEN_REVOKED'), 'a", error="x\\\r\n');
    expect(challenge).toBe(
      'Bearer realm="a, error=x", error="invalid_token", error_description="The session of this access token has ended"',
    );
  });
});
