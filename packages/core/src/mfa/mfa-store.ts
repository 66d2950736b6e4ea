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
  /** Deletes the user's secret and recovery codes, confirmed or not; returns whether a confirmed secret was among them. */
  remove(userId: string): Promise<boolean>;
}
