import { ADMIN_ROLE, AuthError, assertAuthentication, isAuthError } from '@jwtgate/core';
import type { FastifyRequest, onErrorAsyncHookHandler, onRequestAsyncHookHandler } from 'fastify';
import { claimsOf } from './plugins/auth-guard.js';
import { clientInfo, type RouteDeps } from './route-deps.js';

/** What every administration route's hooks mean, for the API reference. */
export const adminOnly = { tags: ['admin'], security: [{ bearerAuth: [] }] } as const;

/** The errors every administration route may answer because of those hooks. */
export const adminErrors = {
  ERR_FORBIDDEN:
    "the caller's account is not an enabled administrator (checked in the database, not the token), or stopped being one before the change was written (nothing changed)",
  ERR_STORE_UNAVAILABLE: 'or the database cannot be reached to check the caller, or a store to do the work',
  ERR_INSUFFICIENT_AUTHENTICATION:
    'with `admin` in `Mfa.RequiredForRoles`: the access token is from a sign-in without a second factor (an account made administrator since)',
} as const;

/**
 * The check every administration route runs after the guard: the caller's
 * account must be, according to the database and not only the token, an
 * enabled administrator, so a demoted admin's unexpired token opens nothing;
 * and the token must belong to a jwtgate session (not a go-zero token
 * accepted during a move, which no logout can end).
 * A refusal is audited (`admin.access-denied`) and answers 403. With
 * `admin` in `Mfa.RequiredForRoles`, the token must also come from a sign-in
 * with a second factor: an account made administrator after a password-only
 * sign-in is asked to sign in again (RFC 9470), not let in.
 *
 * @example
 * app.addHook('onRequest', app.requireAuth);
 * app.addHook('onRequest', createRequireAdmin(deps));
 */
export function createRequireAdmin(deps: Pick<RouteDeps, 'users' | 'events' | 'mfa'>): onRequestAsyncHookHandler {
  const { users, events, mfa } = deps;
  return async (request) => {
    const claims = claimsOf(request);
    // A go-zero token from before a cut-over has no session (sid ''): nothing could revoke it, so it administers nothing.
    const caller = claims.sid === '' ? null : await users.findById(claims.sub);
    if (caller === null || caller.disabled || caller.role !== ADMIN_ROLE) {
      reportDenied(events, request);
      throw new AuthError('ERR_FORBIDDEN', { reason: 'not-admin' });
    }
    if (mfa?.requiredForRoles.has(ADMIN_ROLE)) assertAuthentication(claims, { requireMfa: true }, mfa.clock.now());
  };
}

/** Records `admin.access-denied` for the caller of `request`. */
function reportDenied(events: RouteDeps['events'], request: FastifyRequest): void {
  events?.adminAccessDenied({
    userId: claimsOf(request).sub,
    method: request.method,
    route: request.routeOptions.url ?? '',
    client: clientInfo(request),
  });
}

/**
 * The second half of {@link createRequireAdmin}: the check at the start of
 * a request does not stop a demotion, disabling or deletion of the caller
 * that lands while it runs, so each consequential write checks the caller
 * again, in its own transaction (`actingAdmin`), and throws `ERR_FORBIDDEN`
 * with nothing changed. This hook records that refusal as
 * `admin.access-denied`, like one at the start (the action's own record
 * says it failed).
 *
 * @example
 * app.addHook('onError', createReportLateRefusal(deps));
 */
export function createReportLateRefusal(deps: Pick<RouteDeps, 'events'>): onErrorAsyncHookHandler {
  return async (request, _reply, error) => {
    if (isAuthError(error, 'ERR_FORBIDDEN') && error.reason === 'actor-not-holder') reportDenied(deps.events, request);
  };
}
