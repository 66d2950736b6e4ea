import { AuthError, isAuthError } from '@jwtgate/core';
import { AuthorizationResponseError, ClientError, ResponseBodyError } from 'openid-client';

/** What a provider's `error` parameter says when the user, not the protocol, stopped the sign-in. */
const USER_STOPPED = new Set(['access_denied', 'consent_required', 'login_required', 'interaction_required']);

function statusOf(cause: unknown): number | undefined {
  return cause instanceof Response ? cause.status : undefined;
}

/**
 * The coded error for whatever a provider call threw, so that the user is
 * told one of three plain things (they or the provider said no; the
 * provider's answer cannot be trusted; the provider cannot be reached) and
 * the audit trail gets the precise check that failed as the reason. The
 * provider's own text is never passed on: it is not ours to show.
 *
 * @example
 * try { await grant(); } catch (error) { throw providerError(error); }
 */
export function providerError(error: unknown): AuthError {
  if (isAuthError(error)) return error;
  if (error instanceof AuthorizationResponseError) {
    const reason = /^[a-z_]{1,64}$/.test(error.error) ? error.error : 'authorization-error';
    return new AuthError(USER_STOPPED.has(error.error) ? 'ERR_OAUTH_DENIED' : 'ERR_OAUTH_PROVIDER_ERROR', {
      reason,
    });
  }
  if (error instanceof ResponseBodyError) {
    const reason = /^[a-z_]{1,64}$/.test(error.error) ? error.error : 'error-response';
    return new AuthError(error.status >= 500 ? 'ERR_OAUTH_PROVIDER_UNAVAILABLE' : 'ERR_OAUTH_PROVIDER_ERROR', {
      reason,
    });
  }
  if (error instanceof ClientError) {
    if (error.code === 'OAUTH_TIMEOUT' || error.code === 'OAUTH_ABORT') {
      return new AuthError('ERR_OAUTH_PROVIDER_UNAVAILABLE', { reason: 'timeout' });
    }
    const status = statusOf(error.cause);
    if (status !== undefined && status >= 500) {
      return new AuthError('ERR_OAUTH_PROVIDER_UNAVAILABLE', { reason: `status-${status}` });
    }
    return new AuthError('ERR_OAUTH_PROVIDER_ERROR', { reason: error.code ?? 'client-error', cause: error });
  }
  if (error instanceof TypeError && error.message === 'fetch failed') {
    return new AuthError('ERR_OAUTH_PROVIDER_UNAVAILABLE', { reason: 'unreachable' });
  }
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new AuthError('ERR_OAUTH_PROVIDER_UNAVAILABLE', { reason: 'timeout' });
  }
  return new AuthError('ERR_OAUTH_PROVIDER_ERROR', { reason: 'unexpected', cause: error });
}
