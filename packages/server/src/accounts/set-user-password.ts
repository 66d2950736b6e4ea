import {
  AuthError,
  acceptNewPassword,
  type ChangeCredentialsDeps,
  changeCredentials,
  type PasswordHasher,
  type PasswordScreen,
  passwordContextWords,
  type UserRecord,
  type UserStore,
} from '@jwtgate/core';
import { type AdminActor, sessionActorOf } from '../audit/admin-actor.js';
import type { AuditClient } from '../audit/audit-record.js';
import type { SecurityEvents } from '../audit/security-events.js';

/** What {@link setUserPassword} needs. */
export interface SetUserPasswordDeps extends ChangeCredentialsDeps {
  readonly users: Pick<UserStore, 'update' | 'findById'>;
  readonly hasher: Pick<PasswordHasher, 'hash'>;
  readonly passwordScreen?: PasswordScreen | undefined;
  /** The service's own words (`Passwords.ContextWords`), refused in a password like the user's name. */
  readonly contextWords?: readonly string[] | undefined;
  readonly events?: Pick<SecurityEvents, 'adminSetPassword'> | undefined;
}

/**
 * Sets a user's password on their behalf. The password meets the same rules
 * as at registration or a reset (length, not made of the user's name or
 * address or the service's words, `Passwords` screen: `ERR_INVALID_PASSWORD`,
 * `ERR_PASSWORD_CONTAINS_CONTEXT`, `ERR_COMMON_PASSWORD`,
 * `ERR_BREACHED_PASSWORD`), and, as with a reset, it is one credential change: the user's version
 * rises and every session of theirs ends at once, none kept. Recorded in
 * the audit trail as done or failed; an unknown id throws `ERR_USER_NOT_FOUND`.
 *
 * @example
 * const { revokedSessions } = await setUserPassword(deps, userId, password, { kind: 'cli', operator: 'root' }, client);
 */
export async function setUserPassword(
  deps: SetUserPasswordDeps,
  userId: string,
  password: string,
  actor: AdminActor,
  client: AuditClient,
): Promise<{ user: UserRecord; revokedSessions: number }> {
  const report = { actor, userId, client };
  try {
    const user = await deps.users.findById(userId);
    if (user === null) throw new AuthError('ERR_USER_NOT_FOUND');
    const context = passwordContextWords({ username: user.username, email: user.email }, deps.contextWords);
    const accepted = await acceptNewPassword(password, deps.passwordScreen, context);
    const passwordHash = await deps.hasher.hash(accepted);
    const changed = await changeCredentials(
      deps,
      userId,
      { passwordHash },
      { reason: 'password-reset', actor: sessionActorOf(actor) },
    );
    if (changed === null) throw new AuthError('ERR_USER_NOT_FOUND');
    deps.events?.adminSetPassword({ ...report, revokedSessions: changed.revokedSessions });
    return changed;
  } catch (error) {
    deps.events?.adminSetPassword({ ...report, revokedSessions: 0, error });
    throw error;
  }
}
