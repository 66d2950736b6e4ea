import { AuthError } from '../errors/auth-error.js';

/** The authentication context class of a sign-in that used two factors. */
export const ACR_MFA = 'urn:jwtgate:acr:mfa';
/** The authentication context class of a sign-in with one factor. */
export const ACR_SINGLE_FACTOR = 'urn:jwtgate:acr:pwd';

/** What a route asks of the sign-in behind an access token. */
export interface StepUpRequirement {
  /** The sign-in used a second factor (`amr` holds `mfa`). */
  readonly requireMfa?: boolean;
  /** The sign-in (`auth_time`) is at most this many seconds old. */
  readonly maxAuthAgeSec?: number;
}

/**
 * The `acr` of a sign-in with these RFC 8176 methods.
 *
 * @example
 * acrOf(['pwd', 'otp', 'mfa']); // 'urn:jwtgate:acr:mfa'
 */
export function acrOf(amr: readonly string[]): string {
  return amr.includes('mfa') ? ACR_MFA : ACR_SINGLE_FACTOR;
}

/**
 * Throws unless verified claims meet the requirement: the RFC 9470 step-up
 * refusal, `ERR_INSUFFICIENT_AUTHENTICATION` (401, `WWW-Authenticate: Bearer
 * error="insufficient_user_authentication"`) with `acr_values` and/or
 * `max_age`, so the client knows to sign in again, with a second factor or
 * afresh. A token without `amr` or `auth_time` (issued before they existed,
 * or by go-zero) meets neither requirement.
 *
 * @example
 * assertAuthentication(claims, { requireMfa: true, maxAuthAgeSec: 300 }, clock.now());
 */
export function assertAuthentication(
  claims: { readonly amr?: unknown; readonly auth_time?: unknown },
  requirement: StepUpRequirement,
  nowMs: number,
): void {
  const needsMfa = requirement.requireMfa === true;
  const maxAge = requirement.maxAuthAgeSec;
  const hasMfa = Array.isArray(claims.amr) && claims.amr.includes('mfa');
  const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : null;
  const tooOld = maxAge !== undefined && (authTime === null || nowMs / 1000 - authTime > maxAge);
  if ((needsMfa && !hasMfa) || tooOld) {
    throw new AuthError('ERR_INSUFFICIENT_AUTHENTICATION', {
      reason: needsMfa && !hasMfa ? 'mfa-required' : 'auth-too-old',
      challenge: {
        ...(needsMfa ? { acrValues: [ACR_MFA] } : {}),
        ...(maxAge === undefined ? {} : { maxAge }),
      },
    });
  }
}

/** Checks a requirement's values once, where it is configured; throws `TypeError`. */
export function assertStepUpRequirement(requirement: StepUpRequirement): void {
  const { requireMfa, maxAuthAgeSec } = requirement;
  if (requireMfa !== undefined && typeof requireMfa !== 'boolean') throw new TypeError('requireMfa must be a boolean');
  if (maxAuthAgeSec !== undefined && (!Number.isSafeInteger(maxAuthAgeSec) || maxAuthAgeSec < 0)) {
    throw new TypeError('maxAuthAge must be a whole number of seconds >= 0');
  }
}
