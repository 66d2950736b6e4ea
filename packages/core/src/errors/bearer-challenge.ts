import type { AuthError } from './auth-error.js';
import { errorCodes } from './codes.js';

/**
 * Keeps only printable ASCII, without what would end or escape a
 * quoted-string (RFC 9110 §5.6.4): a value can never add parameters, and
 * never holds a character Node refuses in a header, which would turn every
 * 401 into a 500 (a realm such as `Zahlungsdienst €`).
 */
function quoted(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]|["\\]/g, '')}"`;
}

/**
 * The RFC 6750 §3 `WWW-Authenticate` challenge for an error, or `undefined`
 * when its code does not concern a bearer token. A request that presented
 * no token gets a bare challenge (§3.1); a refused token gets
 * `error="invalid_token"` and the code's public message, never request data.
 *
 * @example
 * bearerChallenge(new AuthError('ERR_TOKEN_MISSING'), 'api'); // 'Bearer realm="api"'
 * bearerChallenge(new AuthError('ERR_TOKEN_EXPIRED'));
 * // 'Bearer error="invalid_token", error_description="The access token has expired"'
 * bearerChallenge(new AuthError('ERR_INSUFFICIENT_AUTHENTICATION', { challenge: { maxAge: 300 } }));
 * // 'Bearer error="insufficient_user_authentication", error_description="…", max_age=300'
 */
export function bearerChallenge(error: AuthError, realm?: string): string | undefined {
  const spec = errorCodes[error.code];
  if (!('bearerError' in spec)) return undefined;
  const parameters: string[] = [];
  if (realm !== undefined) parameters.push(`realm=${quoted(realm)}`);
  if (spec.bearerError !== null) {
    parameters.push(`error="${spec.bearerError}"`, `error_description=${quoted(error.message)}`);
  }
  const acrValues = error.challenge?.acrValues;
  if (acrValues !== undefined && acrValues.length > 0) parameters.push(`acr_values=${quoted(acrValues.join(' '))}`);
  const maxAge = error.challenge?.maxAge;
  if (maxAge !== undefined && Number.isSafeInteger(maxAge) && maxAge >= 0) parameters.push(`max_age=${maxAge}`);
  return parameters.length === 0 ? 'Bearer' : `Bearer ${parameters.join(', ')}`;
}
