/**
 * A jwtgate session started by a sign-in at an OpenID Connect provider whose
 * back-channel logout is on: what a logout token from that provider names it by.
 */
export interface ProviderSession {
  readonly sessionId: string;
  readonly userId: string;
  /** The provider's name in `OAuth.Providers`. */
  readonly provider: string;
  /** The id token's `sub`: the user at the provider. */
  readonly subject: string;
  /** The id token's `sid`: the provider's own session; `null` when the provider gave none. */
  readonly providerSid: string | null;
  /** The jwtgate session's absolute end: the row means nothing afterwards. */
  readonly expiresAt: number;
}

/** Which sessions a logout token names: by the provider's session, or (without `sid`) by the user there. */
export type ProviderSessionQuery =
  | { readonly provider: string; readonly providerSid: string; readonly subject?: string | undefined }
  | { readonly provider: string; readonly subject: string };

/**
 * Where the provider sessions of jwtgate sessions are kept, beside the
 * identities. Each method is one atomic operation; backend failures surface
 * as `AuthError('ERR_STORE_UNAVAILABLE')`. Every implementation runs
 * `runProviderSessionStoreSuite`.
 */
export interface ProviderSessionStore {
  /** Keeps the row of a new session; a second one for the same session is refused (throws). */
  save(session: ProviderSession): Promise<void>;
  /**
   * The ids of the sessions the query names that have not reached their end
   * at `now`, at most `limit` of them, in no particular order. A query with
   * `providerSid` and `subject` names only sessions that match both.
   */
  sessionIdsOf(query: ProviderSessionQuery, now: number, limit: number): Promise<readonly string[]>;
  /** Deletes the rows of sessions that ended before `before`; returns how many. */
  deleteExpired(before: number): Promise<number>;
}
