/** Whether a credential lives on one device only or is synced between devices (WebAuthn backup eligibility). */
export type PasskeyDeviceType = 'singleDevice' | 'multiDevice';

/**
 * A registered WebAuthn credential. Nothing in it is secret: the private key
 * never leaves the authenticator, and the public key only checks signatures.
 * Times are milliseconds since the epoch.
 */
export interface Passkey {
  /** The credential id, base64url, as the authenticator made it; unique across all users. */
  readonly id: string;
  readonly userId: string;
  /** The COSE public key, base64url. */
  readonly publicKey: string;
  /** The signature counter last accepted; 0 for authenticators that keep none. */
  readonly counter: number;
  /** How the browser may reach the authenticator (`internal`, `usb`, `hybrid`…), as it reported them. */
  readonly transports: readonly string[];
  readonly deviceType: PasskeyDeviceType;
  /** The backup-eligible flag at registration: a synced passkey. */
  readonly backupEligible: boolean;
  /** The backed-up flag of the latest use. */
  readonly backedUp: boolean;
  /** The user's label for it. */
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

/** What a verified use of a passkey changes. */
export interface PasskeyUse {
  /** The signature counter the authenticator reported. */
  readonly counter: number;
  readonly backedUp: boolean;
  readonly usedAt: number;
}

/**
 * Where passkeys live. Deleting one is `MfaStore.removeFactor`, which
 * decides atomically whether it may go. Each method is one atomic operation on the backend;
 * backend failures surface as `AuthError('ERR_STORE_UNAVAILABLE')`. Every
 * implementation runs `runPasskeyStoreSuite` from `@jwtgate/core/testing`.
 */
export interface PasskeyStore {
  /** Saves a new passkey; `false`, changing nothing, when a credential with its id exists (for any user). */
  add(passkey: Passkey): Promise<boolean>;
  /** The passkey with this credential id (exact, case-sensitive), or `null`. */
  find(id: string): Promise<Passkey | null>;
  /** The user's passkeys, oldest first. */
  list(userId: string): Promise<readonly Passkey[]>;
  /**
   * Records a verified use: one compare-and-swap that moves the counter
   * forward (or keeps it at 0 when the authenticator keeps none, both 0) and
   * stores the backup flag and time. `false`, changing nothing, when the
   * counter did not move forward (a cloned authenticator, or a concurrent
   * use that reported the same count) or the passkey is gone. Of concurrent
   * uses with one counter, exactly one gets `true`.
   */
  recordUse(id: string, use: PasskeyUse): Promise<boolean>;
  /** Renames one of the user's passkeys; `false` when the user has none with this id. */
  rename(userId: string, id: string, name: string): Promise<boolean>;
  /** Deletes all of the user's passkeys; returns how many. */
  removeAll(userId: string): Promise<number>;
}
