import { AuthError, type SessionManager, type UserStore } from '@jwtgate/core';
import { type AdminActor, sessionActorOf } from '../audit/admin-actor.js';
import type { AuditClient } from '../audit/audit-record.js';
import type { SecurityEvents } from '../audit/security-events.js';

/** What {@link signUserOut} needs: the same for the admin API and the command line. */
export interface SignUserOutDeps {
  readonly users: Pick<UserStore, 'findById'>;
  readonly sessions: Pick<SessionManager, 'revokeAll'>;
  readonly events?: Pick<SecurityEvents, 'adminSignedUserOut'> | undefined;
}

/**
 * Forces a user out: ends all their sessions at once (their access tokens
 * stop working on every instance, as with any revocation) and records it in
 * the audit trail as done or failed. Returns how many sessions ended; an
 * unknown id throws `ERR_USER_NOT_FOUND`.
 *
 * @example
 * const revoked = await signUserOut(deps, userId, { kind: 'admin', id: adminId }, client);
 */
export async function signUserOut(
  deps: SignUserOutDeps,
  userId: string,
  actor: AdminActor,
  client: AuditClient,
): Promise<number> {
  const report = { actor, userId, client };
  try {
    const user = await deps.users.findById(userId);
    if (user === null) throw new AuthError('ERR_USER_NOT_FOUND');
    const revokedSessions = await deps.sessions.revokeAll(user.id, { reason: 'admin', actor: sessionActorOf(actor) });
    deps.events?.adminSignedUserOut({ ...report, revokedSessions });
    return revokedSessions;
  } catch (error) {
    deps.events?.adminSignedUserOut({ ...report, revokedSessions: 0, error });
    throw error;
  }
}
