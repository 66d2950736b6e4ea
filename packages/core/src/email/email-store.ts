/** What an emailed secret is for; a secret made for one purpose is refused for every other. */
export type EmailTokenPurpose = 'verify-email' | 'reset-password' | 'change-email' | 'sign-in';

/** What a hashed link secret is for: an emailed secret's purpose, or an invitation to register. */
export type SecretPurpose = EmailTokenPurpose | 'invitation';

/** Every kind of mail jwtgate sends. */
export type MailKind =
  | EmailTokenPurpose
  | 'invitation'
  | 'email-changed-notice'
  | 'security-notice'
  | 'already-registered';

/** A change to how an account signs in, told to its verified address in a `security-notice` mail. */
export type AccountChange =
  | 'password-changed'
  | 'password-reset'
  | 'password-set'
  | 'authenticator-app-added'
  | 'authenticator-app-removed'
  | 'recovery-codes-renewed'
  | 'passkey-added'
  | 'passkey-removed'
  | 'identity-linked'
  | 'identity-unlinked'
  | 'second-factors-reset';

/** An emailed one-time secret as stores keep it: hashes only. Times are milliseconds since the epoch. */
export interface EmailTokenRecord {
  readonly id: string;
  readonly userId: string;
  readonly purpose: EmailTokenPurpose;
  /** The address the mail went to (for an address change, the new one). */
  readonly email: string;
  /** Keyed hash of the link's secret; unique. */
  readonly linkHash: string;
  /** Keyed hash of the 6-digit code, when the mail carries one. */
  readonly codeHash: string | null;
  /** The user's credential stamp when issued: a later password or address change voids the secret. */
  readonly stamp: string;
  /** Wrong codes presented so far. */
  readonly attempts: number;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt: number | null;
}

/** A mail to queue. The payload is sealed by the server; stores keep it opaque. */
export interface OutboxMail {
  readonly id: string;
  readonly userId: string | null;
  readonly kind: MailKind;
  readonly recipient: string;
  readonly payload: string;
  readonly createdAt: number;
}

/** Where a queued mail stands. */
export type MailStatus = 'pending' | 'sending' | 'sent' | 'failed';

/** A queued mail as an administrator sees it: no payload. */
export interface OutboxEntry {
  readonly id: string;
  readonly userId: string | null;
  readonly kind: MailKind;
  readonly recipient: string;
  readonly status: MailStatus;
  readonly attempts: number;
  readonly createdAt: number;
  readonly nextAttemptAt: number;
  readonly sentAt: number | null;
  readonly lastError: string | null;
}

/** A mail one sender has claimed: its own until `settleMail` or the lease ends. */
export interface ClaimedMail {
  readonly id: string;
  readonly kind: MailKind;
  readonly recipient: string;
  readonly payload: string;
  /** Delivery attempts including this one. */
  readonly attempts: number;
}

/** How a delivery attempt ended. */
export type MailSettlement =
  | { readonly status: 'sent'; readonly at: number }
  | { readonly status: 'pending'; readonly retryAt: number; readonly error: string }
  | { readonly status: 'failed'; readonly at: number; readonly error: string };

/** What a code presented to {@link EmailStore.consumeCode} did. */
export type CodeOutcome =
  | { readonly outcome: 'used'; readonly token: EmailTokenRecord }
  | { readonly outcome: 'wrong' }
  | { readonly outcome: 'none' };

/**
 * Emailed one-time secrets and the mail outbox, in one store because a
 * secret and the mail carrying it are written in one transaction. Every
 * method is atomic; backend failures surface as
 * `AuthError('ERR_STORE_UNAVAILABLE')`.
 */
export interface EmailStore {
  /** Inserts the secret (if any) and queues the mails, all in one transaction: all of them or none. */
  issue(token: EmailTokenRecord | null, mails: readonly OutboxMail[]): Promise<void>;
  /**
   * Marks the unused, unexpired secret of this purpose and link hash used
   * and returns it, or `null`. Of concurrent calls exactly one gets it.
   */
  consumeLink(purpose: EmailTokenPurpose, linkHash: string, now: number): Promise<EmailTokenRecord | null>;
  /**
   * The unused, unexpired secret of this purpose and link hash, or `null`,
   * changing nothing: to know whose link it is before deciding to use it
   * (a reset judges the new password against its holder's name first).
   * Only {@link EmailStore.consumeLink} decides who uses it.
   */
  findLink(purpose: EmailTokenPurpose, linkHash: string, now: number): Promise<EmailTokenRecord | null>;
  /**
   * Checks a code against the user's newest live secret of this purpose
   * (unused, unexpired, fewer than `maxAttempts` wrong codes): a match marks
   * it used, a miss counts one attempt; the check and the count are one
   * transaction, so concurrent guesses are all counted and one match wins.
   */
  consumeCode(
    purpose: EmailTokenPurpose,
    userId: string,
    codeHash: string,
    now: number,
    maxAttempts: number,
  ): Promise<CodeOutcome>;
  /**
   * Claims up to `limit` mails due at `now` (pending and due, or claimed by a
   * sender whose lease ended) for `claimer` until `now + leaseMs`, counting an
   * attempt on each. A mail is claimed by exactly one of concurrent callers.
   */
  claimMail(input: {
    readonly now: number;
    readonly limit: number;
    readonly leaseMs: number;
    readonly claimer: string;
  }): Promise<readonly ClaimedMail[]>;
  /**
   * Records the outcome of `claimer`'s attempt; `false`, changing nothing, when
   * the mail is no longer claimed by it. A sent or failed mail loses its payload.
   */
  settleMail(id: string, claimer: string, settlement: MailSettlement): Promise<boolean>;
  /** Queued mails, newest first, optionally of one status; 1 to 100. */
  listMail(query: { readonly status?: MailStatus; readonly limit: number }): Promise<readonly OutboxEntry[]>;
  /** Deletes secrets that expired and mails sent or failed before `before`; answers how many of each. */
  purge(before: number): Promise<{ readonly tokens: number; readonly mails: number }>;
}
