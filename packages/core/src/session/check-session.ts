import { AuthError } from '../errors/auth-error.js';
import type { AccessTokenClaims } from '../token/claims.js';
import type { SessionContext } from './session-context.js';

/**
 * Strict revocation: asks the store whether the session of verified access
 * token claims still stands, for deployments that accept a store round trip
 * per request in exchange for not depending on revocation notices at all.
 *
 * Throws `ERR_TOKEN_REVOKED` when the session is unknown (ended and deleted),
 * belongs to someone else, or was revoked; a revocation found this way is
 * remembered in the in-process list too. A store failure surfaces as
 * `ERR_STORE_UNAVAILABLE`, so a strict deployment fails closed.
 *
 * @example
 * const claims = sessions.authenticate(token);
 * await sessions.checkSession(claims); // only when strict mode is on
 */
export async function checkSession(ctx: SessionContext, claims: AccessTokenClaims): Promise<void> {
  const session = await ctx.store.get(claims.sid);
  if (session === null || session.userId !== claims.sub) {
    throw new AuthError('ERR_TOKEN_REVOKED', { reason: 'unknown-session' });
  }
  if (session.revokedAt !== null) {
    ctx.revocations.add(session.id, session.revokedAt);
    throw new AuthError('ERR_TOKEN_REVOKED', { reason: 'revoked' });
  }
}
