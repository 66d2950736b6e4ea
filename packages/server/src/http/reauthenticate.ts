import {
  AuthError,
  checkSecondFactor,
  confirmPassword,
  hasPassword,
  isAuthError,
  type SecondFactorMethod,
  type UserRecord,
} from '@jwtgate/core';
import type { FastifyRequest } from 'fastify';
import { claimsOf } from './plugins/auth-guard.js';
import { clientInfo, type RouteDeps } from './route-deps.js';

/** What a sensitive route asks the caller to show again: the password, or a code of their second factor. */
export interface Reauthentication {
  readonly password?: string | undefined;
  readonly code?: string | undefined;
  readonly method?: SecondFactorMethod | undefined;
}

/** The errors {@link reauthenticate} may answer, for the API reference. */
export const reauthErrors = {
  ERR_REAUTHENTICATION_FAILED: 'the password (or code) given to confirm is wrong (403, not 401: the token is fine)',
  ERR_MALFORMED_PASSWORD:
    'the password has a lone UTF-16 surrogate (not well-formed Unicode); refused before it is checked or counted',
  ERR_RATE_LIMITED:
    'too many failed password checks for this account or address (`Login.MaxFailures`), or wrong codes (`Mfa.MaxFailures`)',
  ERR_TOKEN_REVOKED: 'the account was disabled or deleted meanwhile',
  ERR_SERVER_BUSY: 'too many passwords are being checked at once (`Hashing.MaxQueue`); nothing was counted',
} as const;

/**
 * The password or a second factor, re-checked before a sensitive change:
 * the password as a login checks it (counted by the login throttle), a code
 * as the second step of a login checks it (counted by the second-factor
 * throttle, a failure audited, a recovery code spent alerted as at login). A wrong one throws
 * `ERR_REAUTHENTICATION_FAILED`; a code while second factors are off,
 * `ERR_MFA_NOT_CONFIGURED`. Answers the caller's account as it is now.
 *
 * @example
 * const user = await reauthenticate(deps, request, { password: request.body.password });
 */
export async function reauthenticate(
  deps: Pick<RouteDeps, 'users' | 'hasher' | 'throttle' | 'mfa' | 'events'>,
  request: FastifyRequest,
  proof: Reauthentication,
): Promise<UserRecord> {
  const claims = claimsOf(request);
  const client = clientInfo(request);
  if (proof.password !== undefined) {
    return confirmPassword(deps, { userId: claims.sub, password: proof.password, ip: client.ip });
  }
  const mfa = deps.mfa;
  if (mfa === undefined) throw new AuthError('ERR_MFA_NOT_CONFIGURED');
  const user = await deps.users.findById(claims.sub);
  if (user === null || user.disabled) throw new AuthError('ERR_TOKEN_REVOKED', { reason: 'user-gone' });
  let result: Awaited<ReturnType<typeof checkSecondFactor>>;
  try {
    result = await checkSecondFactor(mfa, { userId: user.id, method: proof.method ?? 'totp', code: proof.code ?? '' });
  } catch (error) {
    deps.events?.mfaFailed({ userId: user.id, error, client });
    if (isAuthError(error, 'ERR_MFA_CODE_INVALID'))
      throw new AuthError('ERR_REAUTHENTICATION_FAILED', { reason: error.reason });
    throw error;
  }
  // A recovery code spent here is as alarming as one spent at login: a stolen sheet shows the same way.
  if (result.recoveryCodesLeft !== undefined) {
    deps.events?.recoveryCodeUsed({ userId: user.id, recoveryCodesLeft: result.recoveryCodesLeft, client });
  }
  return user;
}

/**
 * The re-authentication before adding a way in (a passkey): the password,
 * checked as {@link reauthenticate} checks it, when the account has one; an
 * account without a password (passwordless, or signed in through a provider
 * only) has nothing to show here and rests on the recent sign-in the route
 * asks for. A missing password where there is one is refused as a wrong one
 * would be, but counts no attempt: nothing was guessed. Answers the caller's
 * account as it is now.
 *
 * @example
 * const user = await reauthenticateIfPasswordSet(deps, request, request.body.password);
 */
export async function reauthenticateIfPasswordSet(
  deps: Pick<RouteDeps, 'users' | 'hasher' | 'throttle' | 'mfa' | 'events'>,
  request: FastifyRequest,
  password: string | undefined,
): Promise<UserRecord> {
  if (password !== undefined) return reauthenticate(deps, request, { password });
  const user = await deps.users.findById(claimsOf(request).sub);
  if (user === null || user.disabled) throw new AuthError('ERR_TOKEN_REVOKED', { reason: 'user-gone' });
  if (hasPassword(user)) {
    throw new AuthError('ERR_REAUTHENTICATION_FAILED', {
      reason: 'password-missing',
      message: 'Confirm with your password',
    });
  }
  return user;
}
