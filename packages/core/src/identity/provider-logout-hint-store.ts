/** A session's provider sign-in, as its logout at the provider (RP-Initiated Logout) needs it. */
export interface ProviderLogoutHint {
  readonly sessionId: string;
  readonly userId: string;
  /** The provider's name in `OAuth.Providers`. */
  readonly provider: string;
  /** The id token of the sign-in, sealed by the caller and bound to the session; never stored readable. */
  readonly sealedIdToken: string;
  /** The session's absolute end: the hint is worthless, and ignored, afterwards. */
  readonly expiresAt: number;
}

/**
 * Where sessions' provider logout hints are kept, one per session, beside
 * the identities they belong to (so in the SQL database whatever keeps the
 * sessions). Each method is one atomic operation; backend failures surface
 * as `AuthError('ERR_STORE_UNAVAILABLE')`. Every implementation runs
 * `runProviderLogoutHintStoreSuite`.
 */
export interface ProviderLogoutHintStore {
  /** Keeps the hint of a new session; a second hint for the same session is refused (throws), never merged. */
  save(hint: ProviderLogoutHint): Promise<void>;
  /**
   * Removes and returns the session's hint, or `null` when it has none or it
   * has expired at `now`; expired hints of other sessions are removed on the
   * way. Two concurrent takes of one session may both read it: each may send
   * the browser to the provider, which is harmless.
   */
  take(sessionId: string, now: number): Promise<ProviderLogoutHint | null>;
}
