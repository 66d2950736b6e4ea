import type { UserRecord } from '../user/user-record.js';

/**
 * An account's identity at an identity provider. The key is the provider's
 * configured name and the subject it gives the user there, never the email
 * address: addresses change hands, subjects do not. Times are milliseconds
 * since the epoch.
 */
export interface FederatedIdentity {
  /** The provider's name in `OAuth.Providers`. */
  readonly provider: string;
  /** The provider's stable id of the user (`sub` of OpenID Connect, the mapped id field of plain OAuth 2.0). */
  readonly subject: string;
  readonly userId: string;
  /** The address the provider last asserted, as it gave it; `null` when it gave none. */
  readonly email: string | null;
  /** Whether the provider said it verified that address. */
  readonly emailVerified: boolean;
  /** A name to show for the identity (the provider's name or login of the user). */
  readonly displayName: string | null;
  readonly createdAt: number;
  readonly lastSignInAt: number;
  /** The provider's tokens, sealed, when `OAuth.StoreProviderTokens` asks for them; else `null`. */
  readonly sealedTokens: string | null;
}

/** What a sign-in refreshes of an identity. */
export interface IdentitySignIn {
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly displayName: string | null;
  readonly at: number;
  /** Replaces the stored tokens; `null` removes them. */
  readonly sealedTokens: string | null;
}

/** What {@link IdentityStore.unlink} did. */
export type UnlinkOutcome = 'unlinked' | 'not-found' | 'last-sign-in-method';

/**
 * Where federated identities live, beside the users. Each method is one
 * atomic operation on the backend; backend failures surface as
 * `AuthError('ERR_STORE_UNAVAILABLE')`. Every implementation runs
 * `runIdentityStoreSuite` from `@jwtgate/core/testing`.
 */
export interface IdentityStore {
  /** The identity with this key, or `null`. */
  find(provider: string, subject: string): Promise<FederatedIdentity | null>;
  /** The user's identities, oldest first. */
  listByUser(userId: string): Promise<readonly FederatedIdentity[]>;
  /**
   * Links an identity to an existing user. Throws
   * `AuthError('ERR_IDENTITY_TAKEN')`, writing nothing, when the key is
   * linked already (to anyone) or the user has an identity of that provider;
   * of concurrent links of one key exactly one succeeds.
   */
  link(identity: FederatedIdentity): Promise<void>;
  /**
   * Creates a user and its first identity in one transaction: both or
   * neither. Throws `ERR_IDENTITY_TAKEN`, `ERR_USERNAME_TAKEN` or
   * `ERR_EMAIL_TAKEN` and writes nothing when a key is taken; of concurrent
   * first sign-ins of one identity exactly one makes an account.
   */
  createUserWithIdentity(user: UserRecord, identity: FederatedIdentity): Promise<void>;
  /** Refreshes what the provider said at a sign-in; `false` when the identity is gone. */
  recordSignIn(provider: string, subject: string, signIn: IdentitySignIn): Promise<boolean>;
  /**
   * Removes the user's identity of `provider`, unless it is the last way the
   * user can sign in: no password (`NO_PASSWORD_HASH`) and no other identity.
   * The check and the removal are one transaction holding the user's row, so
   * two concurrent unlinks of a user's last two identities cannot both win.
   */
  unlink(userId: string, provider: string): Promise<UnlinkOutcome>;
  /**
   * Removes every identity of the user, whatever ways in remain, in one
   * statement, and answers the providers of those it removed. For the first
   * proof of the account's address, which hands the account to the mailbox:
   * its owner signs in by mail or sets a password with a reset.
   */
  unlinkAll(userId: string): Promise<readonly string[]>;
}
