import { AuthError, actingAdminHolder, type ChangeCredentialsDeps, changeCredentials } from '@jwtgate/core';
import { type AdminActor, actingAdminOf, sessionActorOf } from '../audit/admin-actor.js';
import type { AuditClient } from '../audit/audit-record.js';
import type { SecurityEvents } from '../audit/security-events.js';

/** What {@link signUserOut} needs: the same for the admin API and the command line. */
export interface SignUserOutDeps extends ChangeCredentialsDeps {
  readonly events?: Pick<SecurityEvents, 'adminSignedUserOut'> | undefined;
}

/**
 * Forces a user out: ends all their sessions at once (their access tokens
 * stop working on every instance, as with any revocation) and records it in
 * the audit trail as done or failed. Returns how many sessions ended; an
 * unknown id throws `ERR_USER_NOT_FOUND`.
 *
 * It goes as a credential change with nothing changed but the version
 * (`changeCredentials`): the raised version is written to the user's row in
 * the database, in one transaction with the check that an acting
 * administrator is still an enabled one (`ERR_FORBIDDEN`, nothing changed,
 * otherwise), and ends every session of the older version at its next
 * refresh, logins in flight included, even where the sessions live in
 * Redis, which no database transaction can include. The revocations follow
 * that write, as for any credential change.
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
    const changed = await changeCredentials(
      deps,
      userId,
      {},
      { reason: 'admin', actor: sessionActorOf(actor), ...actingAdminHolder(actingAdminOf(actor).actingAdmin) },
    );
    if (changed === null) throw new AuthError('ERR_USER_NOT_FOUND');
    deps.events?.adminSignedUserOut({ ...report, revokedSessions: changed.revokedSessions });
    return changed.revokedSessions;
  } catch (error) {
    deps.events?.adminSignedUserOut({ ...report, revokedSessions: 0, error });
    throw error;
  }
}
