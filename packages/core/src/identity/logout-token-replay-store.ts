/**
 * The logout tokens an identity provider has already had accepted, by a
 * digest of the provider and the token's `jti`, until the token could no
 * longer be accepted anyway. Each method is one atomic operation; backend
 * failures surface as `AuthError('ERR_STORE_UNAVAILABLE')`. Every
 * implementation runs `runLogoutTokenReplayStoreSuite`.
 */
export interface LogoutTokenReplayStore {
  /**
   * Records `key` until `expiresAt` unless it is recorded and not expired at
   * `now`. Answers whether this call recorded it: of concurrent callers with
   * one key, exactly one gets `true`.
   */
  claim(key: string, expiresAt: number, now: number): Promise<boolean>;
  /** Forgets `key`: a token whose logout could not be carried out may be sent again. */
  release(key: string): Promise<void>;
}
