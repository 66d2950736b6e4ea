import type { RevokedSession, SessionRecord } from './session-record.js';

/** The compare-and-swap that {@link SessionStore.rotate} performs. */
export interface SessionRotation {
  readonly id: string;
  /** The rotation only applies if the session is still at this generation... */
  readonly fromGeneration: number;
  /** ...with this current hash, and not revoked. */
  readonly fromHash: string;
  /** Hash of the successor token. */
  readonly toHash: string;
  readonly now: number;
  readonly refreshExpiresAt: number;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/**
 * Where sessions live. Each method is one atomic operation on the backend;
 * backend failures surface as `AuthError('ERR_STORE_UNAVAILABLE')`.
 * Every implementation runs `runSessionStoreSuite` from `@jwtgate/core/testing`.
 */
export interface SessionStore {
  /**
   * Inserts `session`. When `maxActive > 0`, in the same transaction, revokes
   * the user's oldest active sessions so that at most `maxActive` stay active
   * (the new one included). Returns the sessions this revoked.
   */
  create(
    session: SessionRecord,
    options: { readonly now: number; readonly maxActive: number },
  ): Promise<readonly RevokedSession[]>;

  /** The session with this id, revoked or not, or `null`. */
  get(id: string): Promise<SessionRecord | null>;

  /** The user's active sessions (not revoked, not expired), newest first. */
  listActive(userId: string, now: number): Promise<readonly SessionRecord[]>;

  /**
   * How many sessions of all users are active at `now` (not revoked, not
   * expired): exact, never an estimate. For an operator's overview, not for
   * the request path: a backend without a count of its own may read every
   * user's index to answer, in bounded steps.
   */
  countActive(now: number): Promise<number>;

  /**
   * Moves the session from `fromGeneration`/`fromHash` to the next generation
   * with `toHash`, keeping `fromHash` as the previous hash. Exactly one of any
   * number of concurrent callers with the same arguments gets `true`; the rest,
   * and any call on a revoked session, get `false` and change nothing.
   */
  rotate(rotation: SessionRotation): Promise<boolean>;

  /**
   * Revokes one session if it is not revoked yet (and belongs to `userId`
   * when given). Returns it, or `null` when nothing was revoked.
   */
  revoke(
    id: string,
    options: { readonly now: number; readonly reason: string; readonly userId?: string },
  ): Promise<RevokedSession | null>;

  /**
   * Revokes every unrevoked session of a user, except `exceptId`. Returns
   * those revoked. With `exceptCredentialVersion`, the spared session, if it
   * is still unrevoked, moves to that credential version in the same atomic
   * step (the session of the user who changed their own password).
   */
  revokeAll(
    userId: string,
    options: {
      readonly now: number;
      readonly reason: string;
      readonly exceptId?: string;
      readonly exceptCredentialVersion?: number;
    },
  ): Promise<readonly RevokedSession[]>;

  /** Sessions revoked at or after `since`, so a process can rebuild its revocation list. */
  listRevokedSince(since: number): Promise<readonly RevokedSession[]>;

  /**
   * Deletes sessions that expired, or were revoked, before `before`.
   * Returns how many were deleted.
   */
  deleteEnded(before: number): Promise<number>;
}
