/** A user's authenticator-app secret, sealed by a `SecretCipher`. Times are milliseconds since the epoch. */
export interface TotpFactor {
  readonly userId: string;
  /** The sealed secret (`SecretCipher.encrypt`); never the secret itself. */
  readonly secret: string;
  /** `null` while the user has not yet proved the app works; an unconfirmed secret is no factor. */
  readonly confirmedAt: number | null;
  /** The last time step a code was accepted for: it and every earlier step are spent. */
  readonly lastUsedStep: number | null;
  readonly createdAt: number;
}

/** What a user has set up as second factors. */
export interface MfaFactors {
  readonly totp: TotpFactor | null;
  /** Recovery codes not used yet. */
  readonly recoveryCodesLeft: number;
}

/** One second factor of a user: the authenticator app (its recovery codes go with it) or one passkey. */
export type SecondFactorRef = { readonly kind: 'totp' } | { readonly kind: 'passkey'; readonly id: string };

/**
 * What {@link MfaStore.removeFactor} did: `removed`; `not-found` (no
 * confirmed app, or no passkey of the user's with this id); `last-factor`,
 * nothing changed, because the user would be left with no second factor.
 */
export type FactorRemoval = 'removed' | 'not-found' | 'last-factor';

/**
 * Where second factors live. Each method is one atomic operation on the
 * backend; backend failures surface as `AuthError('ERR_STORE_UNAVAILABLE')`.
 * Every implementation runs `runMfaStoreSuite` from `@jwtgate/core/testing`.
 */
export interface MfaStore {
  /** The user's factors; none is `{ totp: null, recoveryCodesLeft: 0 }`. */
  get(userId: string): Promise<MfaFactors>;
  /**
   * Saves an unconfirmed secret, replacing an unconfirmed one. Returns
   * `false`, changing nothing, when the user has a confirmed one.
   */
  startTotp(factor: { readonly userId: string; readonly secret: string; readonly createdAt: number }): Promise<boolean>;
  /**
   * Confirms the unconfirmed secret `secret` (exactly that one: an enrolment
   * started again meanwhile is not confirmed by the old one's code), marks
   * `step` used and replaces the recovery codes, in one transaction. Of
   * concurrent calls exactly one gets `true`; `false` changes nothing.
   */
  confirmTotp(
    userId: string,
    confirmation: {
      readonly secret: string;
      readonly step: number;
      readonly recoveryCodeHashes: readonly string[];
      readonly now: number;
    },
  ): Promise<boolean>;
  /**
   * Spends time step `step` of the confirmed secret: `true` only if no step
   * at or after it was spent before. Of concurrent calls with one step,
   * exactly one gets `true` (a code works once, on every instance).
   */
  useTotpStep(userId: string, step: number): Promise<boolean>;
  /** Spends an unused recovery code by its hash; exactly one concurrent caller gets `true`. */
  useRecoveryCode(userId: string, codeHash: string, now: number): Promise<boolean>;
  /**
   * Replaces all recovery codes with these, only while a confirmed secret
   * exists (one statement's condition or one transaction). Returns whether it did.
   */
  replaceRecoveryCodes(userId: string, codeHashes: readonly string[], now: number): Promise<boolean>;
  /**
   * Removes one second factor of the user. With `keepOne`, only if the user
   * keeps another one afterwards (a confirmed app, or another passkey): else
   * `'last-factor'`, nothing changed. The count and the deletion are one
   * atomic step, holding the user's factors (row locks in one transaction;
   * SQLite: a write transaction from its start): of concurrent removals with
   * `keepOne`, never all of a user's factors go. Removing the app also
   * deletes its recovery codes and an unconfirmed secret (`'not-found'` when
   * only that was there). Passkeys are second factors too and live beside the
   * app (the `PasskeyStore`'s records), so this is the one way one is removed.
   */
  removeFactor(userId: string, factor: SecondFactorRef, options: { readonly keepOne: boolean }): Promise<FactorRemoval>;
}
