import type { MetadataObject, UserRecord } from './user-record.js';

/** Changes {@link UserStore.update} can apply. */
export interface UserChanges {
  readonly passwordHash?: string;
  readonly role?: string;
  readonly disabled?: boolean;
  /** A new address (its `email` and `emailKey`), or `null` to remove it; either resets `emailVerifiedAt` unless that is given too. */
  readonly email?: { readonly email: string; readonly emailKey: string } | null;
  readonly emailVerifiedAt?: number | null;
  /** Replaces the whole object; `{}` empties it. */
  readonly appMetadata?: MetadataObject;
  readonly userMetadata?: MetadataObject;
  /**
   * Raises `credentialVersion` by one in the same statement. Only
   * `changeCredentials` sets it: every credential change goes through there.
   */
  readonly bumpCredentialVersion?: boolean;
  readonly updatedAt: number;
}

/** The most users one {@link UserStore.list} call returns. */
export const USER_LIST_MAX_LIMIT = 100;

/**
 * What a listing may be narrowed by besides a prefix; each criterion left out
 * keeps everyone. The store selects on them in the same query as the page,
 * so a page of matches costs one query however rare the matches are.
 */
export interface UserListFilter {
  readonly role?: string;
  /** Only disabled (`true`) or enabled (`false`) users. */
  readonly disabled?: boolean;
  /** Only users with (`true`) or without (`false`) a verified email address. */
  readonly emailVerified?: boolean;
  /** Only users with (`true`) or without (`false`) a second factor: a confirmed authenticator app or a passkey. */
  readonly secondFactor?: boolean;
}

/** What {@link UserStore.list} reads: one page of users in username-key order. */
export interface UserListQuery extends UserListFilter {
  /** Only users whose `usernameKey` starts with this, compared exactly: `%`, `_` and the like are plain characters. */
  readonly prefix?: string;
  /** Only users whose `emailKey` starts with this, compared exactly like `prefix`; users without an address never match. */
  readonly emailPrefix?: string;
  /** Only users whose `usernameKey` sorts after this one (the last key of the previous page). */
  readonly afterKey?: string;
  /** 1 to {@link USER_LIST_MAX_LIMIT}. */
  readonly limit: number;
}

/** One page of {@link UserStore.list}. */
export interface UserListPage {
  readonly users: readonly UserRecord[];
  /** Whether users past the last one of this page match too. */
  readonly more: boolean;
}

/**
 * The user on whose authority a change is made, and the role they must hold
 * for it: see {@link UserUpdateOptions.byEnabledHolder}.
 */
export interface ActingHolder {
  readonly id: string;
  readonly role: string;
}

/** Options of {@link UserStore.update}. */
export interface UserUpdateOptions {
  /**
   * Refuses, with `AuthError('ERR_LAST_ADMIN')` and without changing
   * anything, a change that would leave no enabled user with this role.
   */
  readonly keepEnabledRole?: string;
  /**
   * Applies the change only if the stored password hash is still this one
   * (else answers `null` and changes nothing): a compare-and-swap, so that a
   * password reset decided against one password cannot overwrite a change
   * made meanwhile.
   */
  readonly ifPasswordHash?: string;
  /**
   * Applies the change only while the user's `credentialVersion` is still
   * this one, and otherwise answers `null` and changes nothing: a change
   * decided on what was read before (a rehash of the password at login)
   * never overwrites a credential change made meanwhile.
   */
  readonly ifCredentialVersion?: number;
  /**
   * Applies the change only if the user `byEnabledHolder.id` (who decided it:
   * an administrator) is, at the moment of the change, an enabled holder of
   * `byEnabledHolder.role`; otherwise throws `AuthError('ERR_FORBIDDEN')`
   * (reason `actor-not-holder`) and changes nothing. The check and the change
   * are one transaction, and the acting user's row stays locked until it
   * ends: a concurrent demotion, disabling or deletion of them either comes
   * after the change or is seen by it, never in between.
   */
  readonly byEnabledHolder?: ActingHolder;
}

/** Options of {@link UserStore.delete}. */
export interface UserDeleteOptions {
  readonly now: number;
  /** The username stays taken until then (`create` refuses it with `ERR_USERNAME_TAKEN`); `now` frees it at once. */
  readonly quarantineUntil: number;
  /** As in {@link UserUpdateOptions.keepEnabledRole}: refuses to delete the last enabled holder of this role. */
  readonly keepEnabledRole?: string;
  /** As in {@link UserUpdateOptions.byEnabledHolder}: deletes only on the authority of an enabled holder of a role. */
  readonly byEnabledHolder?: ActingHolder;
}

/**
 * Where users live. Every method is one atomic round trip to the backend.
 * Backend failures surface as `AuthError('ERR_STORE_UNAVAILABLE')`.
 */
export interface UserStore {
  /**
   * Inserts a user. Throws `AuthError('ERR_USERNAME_TAKEN')` when another user
   * (or a deleted user whose username is still quarantined, as of `user.createdAt`)
   * has the same `usernameKey`, `AuthError('ERR_EMAIL_TAKEN')` when another has
   * the same `emailKey`; of concurrent inserts of one key exactly one succeeds.
   */
  create(user: UserRecord): Promise<void>;
  /**
   * Deletes the user and, in the same transaction, everything the backend
   * keeps under their id (second factors, emailed secrets and mails, paused
   * logins, the invitation they registered with…), and quarantines their username key
   * until `quarantineUntil`. Sessions are not deleted here: they are revoked
   * first through the session manager, and revoked sessions stay as
   * revocation records until the ended-session clean-up (their access tokens
   * must stay refused on every instance), with what they said about the
   * client (address, browser, device) erased. Answers the deleted user, or
   * `null` if there was none. With `keepEnabledRole`, refuses (like
   * `update`) with `ERR_LAST_ADMIN`.
   */
  delete(id: string, options: UserDeleteOptions): Promise<UserRecord | null>;
  /** The user with this id, or `null`. */
  findById(id: string): Promise<UserRecord | null>;
  /** The user whose `usernameKey` is `usernameKey`, or `null`. */
  findByUsernameKey(usernameKey: string): Promise<UserRecord | null>;
  /** The user whose `emailKey` is `emailKey` (compared exactly), or `null`. */
  findByEmailKey(emailKey: string): Promise<UserRecord | null>;
  /**
   * Applies `changes` in one transaction and returns the updated user, or
   * `null` if there is none (or, with `ifCredentialVersion`, none at that version). With `keepEnabledRole`, the check that another
   * enabled user keeps the role and the change are atomic: of two concurrent
   * updates disabling the last two holders, exactly one succeeds. A new
   * email taken by another user throws `AuthError('ERR_EMAIL_TAKEN')` and
   * changes nothing; with `ifPasswordHash`, a hash changed meanwhile answers
   * `null` and changes nothing. With `byEnabledHolder`, an acting user who
   * is no longer an enabled holder of the role throws `ERR_FORBIDDEN` and
   * changes nothing, decided in the same transaction as the change.
   */
  update(id: string, changes: UserChanges, options?: UserUpdateOptions): Promise<UserRecord | null>;
  /**
   * One page of the users that match every criterion of `query`, ordered by
   * `usernameKey` in code point order (the order of its UTF-8 bytes), each
   * page one query. Throws `RangeError` for a `limit` outside 1 to
   * {@link USER_LIST_MAX_LIMIT}.
   */
  list(query: UserListQuery): Promise<UserListPage>;
}
