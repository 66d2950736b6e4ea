import type { Clock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import type { SessionManager } from '../session/session-manager.js';
import type { SessionActor } from '../session/session-record.js';
import { actingAdminHolder } from './change-access.js';
import { changeCredentials } from './change-credentials.js';
import { ADMIN_ROLE } from './role.js';
import type { UserRecord } from './user-record.js';
import type { UserStore } from './user-store.js';

/** What {@link deleteUser} needs. */
export interface DeleteUserDeps {
  readonly users: Pick<UserStore, 'update' | 'delete'>;
  readonly sessions: Pick<SessionManager, 'revokeAll'>;
  readonly clock: Clock;
  /** How long the username stays taken after the deletion, in seconds (`Accounts.UsernameQuarantine`). */
  readonly usernameQuarantineSec: number;
  /**
   * Runs between the two steps, once the sessions have ended: the server
   * writes out the audit records queued in memory (the revocations just
   * made among them), so that step 2 anonymises them with the rest.
   */
  readonly beforeErase?: () => Promise<void>;
}

/** What {@link deleteUser} did. */
export interface DeletedUser {
  /** The user as they were just before the deletion. */
  readonly user: UserRecord;
  /** Sessions the deletion ended. */
  readonly revokedSessions: number;
}

/**
 * Deletes an account, for the user themselves or an administrator. Two
 * steps, in an order that makes a failure between them safe to retry:
 *
 * 1. The account is disabled through `changeCredentials` (the one way every
 *    credential change goes): its version rises and every session ends at
 *    once, access tokens included, on every instance, as an administrator's
 *    forced logout does. The last-admin rule is decided here, atomically by
 *    the store: deleting the last enabled administrator throws
 *    `ERR_LAST_ADMIN` and changes nothing.
 * 2. The store deletes the user and everything it keeps under their id in
 *    one transaction, and quarantines the username for
 *    `usernameQuarantineSec`.
 *
 * If step 2 fails (`ERR_STORE_UNAVAILABLE`), the account stays disabled with
 * no session, and asking again finishes the work. An unknown id throws
 * `ERR_USER_NOT_FOUND`.
 *
 * With `actingAdmin`, each step takes effect only if that administrator is
 * still an enabled administrator at its moment, decided by the store with
 * it (`ERR_FORBIDDEN` otherwise): refused at step 1, nothing changed; at
 * step 2 (demoted in between), the account stays disabled, not deleted.
 *
 * @example
 * const { revokedSessions } = await deleteUser(deps, userId, { actor: { kind: 'admin', id: adminId } });
 */
export async function deleteUser(
  deps: DeleteUserDeps,
  userId: string,
  options: { readonly actor?: SessionActor; readonly actingAdmin?: string } = {},
): Promise<DeletedUser> {
  const byEnabledHolder = actingAdminHolder(options.actingAdmin);
  const disabled = await changeCredentials(
    deps,
    userId,
    { disabled: true },
    {
      reason: 'user-deleted',
      keepEnabledRole: ADMIN_ROLE,
      ...(options.actor === undefined ? {} : { actor: options.actor }),
      ...byEnabledHolder,
    },
  );
  if (disabled === null) throw new AuthError('ERR_USER_NOT_FOUND');
  await deps.beforeErase?.();
  const now = deps.clock.now();
  const deleted = await deps.users.delete(userId, {
    now,
    quarantineUntil: now + deps.usernameQuarantineSec * 1000,
    ...byEnabledHolder,
  });
  // Deleted meanwhile by a concurrent request: the same end state, reported once by whoever got the row.
  if (deleted === null) throw new AuthError('ERR_USER_NOT_FOUND', { reason: 'raced' });
  return { user: deleted, revokedSessions: disabled.revokedSessions };
}
