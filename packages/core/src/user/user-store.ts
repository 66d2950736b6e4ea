import type { UserRecord } from './user-record.js';

/** Changes {@link UserStore.update} can apply. */
export interface UserChanges {
  readonly passwordHash?: string;
  readonly role?: string;
  readonly disabled?: boolean;
  readonly updatedAt: number;
}

/**
 * Where users live. Every method is one atomic round trip to the backend.
 * Backend failures surface as `AuthError('ERR_STORE_UNAVAILABLE')`.
 */
export interface UserStore {
  /**
   * Inserts a user. Throws `AuthError('ERR_USERNAME_TAKEN')` when another user
   * has the same `usernameKey`; of concurrent inserts of one key exactly one succeeds.
   */
  create(user: UserRecord): Promise<void>;
  /** The user with this id, or `null`. */
  findById(id: string): Promise<UserRecord | null>;
  /** The user whose `usernameKey` is `usernameKey`, or `null`. */
  findByUsernameKey(usernameKey: string): Promise<UserRecord | null>;
  /** Applies `changes` in one statement and returns the updated user, or `null` if there is none. */
  update(id: string, changes: UserChanges): Promise<UserRecord | null>;
}
