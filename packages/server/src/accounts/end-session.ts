import { AuthError, type SessionManager } from '@jwtgate/core';
import { type AdminActor, sessionActorOf } from '../audit/admin-actor.js';
import type { AuditClient } from '../audit/audit-record.js';
import type { SecurityEvents } from '../audit/security-events.js';

/** What {@link endSession} needs: the same for the admin API and the command line. */
export interface EndSessionDeps {
  readonly sessions: Pick<SessionManager, 'revoke'>;
  readonly events?: Pick<SecurityEvents, 'adminRevokedSession'> | undefined;
}

/**
 * Ends any user's session on an administrator's or operator's behalf (its
 * access tokens stop working on every instance) and records it in the audit
 * trail as done or failed; the `session.revoked` record names the actor and
 * the session's user. An unknown or already ended session throws
 * `ERR_SESSION_NOT_FOUND`.
 *
 * @example
 * await endSession(deps, sessionId, { kind: 'cli', operator: 'root' }, { ip: null, userAgent: null });
 */
export async function endSession(
  deps: EndSessionDeps,
  sessionId: string,
  actor: AdminActor,
  client: AuditClient,
): Promise<void> {
  const report = { actor, sessionId, client };
  try {
    if (!(await deps.sessions.revoke(sessionId, { reason: 'admin', actor: sessionActorOf(actor) })))
      throw new AuthError('ERR_SESSION_NOT_FOUND');
  } catch (error) {
    deps.events?.adminRevokedSession({ ...report, error });
    throw error;
  }
  deps.events?.adminRevokedSession(report);
}
