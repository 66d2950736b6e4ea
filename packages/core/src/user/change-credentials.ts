import type { Clock } from '../clock.js';
import type { SessionManager } from '../session/session-manager.js';
import type { RevokeReason, SessionActor } from '../session/session-record.js';
import type { UserRecord } from './user-record.js';
import type { ActingHolder, UserChanges, UserStore } from './user-store.js';

/** What {@link changeCredentials} needs. */
export interface ChangeCredentialsDeps {
  readonly users: Pick<UserStore, 'update'>;
  readonly sessions: Pick<SessionManager, 'revokeAll'>;
  readonly clock: Clock;
}

/** What a credential change may set on the user's record; `{}` only raises the version. */
export interface CredentialChanges {
  readonly passwordHash?: string;
  readonly role?: string;
  readonly disabled?: boolean;
  /** A new address, or `null` to remove it (see `UserChanges.email`). */
  readonly email?: UserChanges['email'];
  readonly emailVerifiedAt?: UserChanges['emailVerifiedAt'];
}

/** How a credential change ends the user's sessions. */
export interface ChangeCredentialsOptions {
  /** Recorded with every session the change ends. */
  readonly reason: RevokeReason;
  readonly actor?: SessionActor;
  /**
   * The one session that survives, moved to the new version: the session of
   * a user who proved their current password to change it. Never set this
   * for a change made on a user's behalf (an administrator, a reset link).
   */
  readonly keepSessionId?: string;
  /** Passed to `UserStore.update`: refuses to leave no enabled user with this role. */
  readonly keepEnabledRole?: string;
  /**
   * Passed to `UserStore.update`: changes nothing (and answers `null`) if the
   * password hash is no longer this one, for a change decided against it (a reset link).
   */
  readonly ifPasswordHash?: string;
  /**
   * Passed to `UserStore.update`: changes nothing (and answers `null`) if the
   * credential version is no longer this one, for a change that rests on a
   * proof made at that version (a paused login's password, checked earlier).
   */
  readonly ifCredentialVersion?: number;
  /**
   * Passed to `UserStore.update`: the change (and so the revocations after
   * it) happens only if this user is an enabled holder of this role at that
   * moment, else `ERR_FORBIDDEN` with nothing changed; for a change an
   * administrator decided.
   */
  readonly byEnabledHolder?: ActingHolder;
}

/**
 * The one way to change a user's credentials (password, role, disabling,
 * and whatever else decides who gets in or what their tokens say: a reset
 * of the password, an email, a second factor). It raises the user's
 * `credentialVersion` in the same store update as the change, and only then
 * ends every session of the user (but `keepSessionId`). Returns the updated
 * user, or `null` when there is none (or, with `ifPasswordHash` or
 * `ifCredentialVersion`, the password or the version changed meanwhile: then
 * nothing changed and no session ended).
 *
 * Why this makes the change safe against logins and refreshes in flight,
 * although users and sessions may live in different stores (a SQL database
 * and Redis), so that no transaction can span both:
 *
 * - A login reads the user (version *v*) before checking the password,
 *   records *v* in the session it creates, and then reads the user again
 *   (`issueSession`); it hands out tokens only if the version is still *v*.
 *   Call *B* the version bump here and *R* the revocation after it. If the
 *   login's second read comes after *B*, it sees the new version and the
 *   login ends its own session and fails. Otherwise that read, and so the
 *   session's creation before it, completed before *B*, hence before *R*
 *   began, and *R* ends the session like any other. Either way no session
 *   started from a check made before the change outlives it.
 * - A refresh rotates only an unrevoked session (the store's
 *   compare-and-swap). A rotation after *R* fails; one before *R* is ended by
 *   *R*, and the access token it minted with it, because revocation is per
 *   session. A refresh also compares the session's version with the user's
 *   and ends a session left behind: one that *R* missed because the session
 *   store failed after *B* (the change then answers an error, and a retry
 *   revokes again).
 *
 * This needs only that each store is linearizable on its own (a single
 * primary: a login must not read the user from a lagging replica).
 *
 * @example
 * const { user } = (await changeCredentials(deps, userId, { passwordHash }, { reason: 'password-changed' }))!;
 */
export async function changeCredentials(
  deps: ChangeCredentialsDeps,
  userId: string,
  changes: CredentialChanges,
  options: ChangeCredentialsOptions,
): Promise<{ user: UserRecord; revokedSessions: number } | null> {
  const user = await deps.users.update(
    userId,
    { ...changes, bumpCredentialVersion: true, updatedAt: deps.clock.now() },
    {
      ...(options.keepEnabledRole === undefined ? {} : { keepEnabledRole: options.keepEnabledRole }),
      ...(options.ifPasswordHash === undefined ? {} : { ifPasswordHash: options.ifPasswordHash }),
      ...(options.ifCredentialVersion === undefined ? {} : { ifCredentialVersion: options.ifCredentialVersion }),
      ...(options.byEnabledHolder === undefined ? {} : { byEnabledHolder: options.byEnabledHolder }),
    },
  );
  if (user === null) return null;
  const revokedSessions = await deps.sessions.revokeAll(userId, {
    reason: options.reason,
    ...(options.actor === undefined ? {} : { actor: options.actor }),
    ...(options.keepSessionId === undefined
      ? {}
      : { exceptSessionId: options.keepSessionId, exceptCredentialVersion: user.credentialVersion }),
  });
  return { user, revokedSessions };
}
