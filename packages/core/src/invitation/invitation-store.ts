import type { OutboxMail } from '../email/email-store.js';
import type { UserRecord } from '../user/user-record.js';

/** An invitation to register, as stores keep it: the link's hash, never the link. Times are milliseconds since the epoch. */
export interface InvitationRecord {
  readonly id: string;
  /** The address invited, as the administrator typed it (normalised). */
  readonly email: string;
  /** Its comparison key ({@link normaliseEmail}). */
  readonly emailKey: string;
  /** The role the account registered with it gets. */
  readonly role: string;
  /** Keyed hash of the link's secret ({@link EmailSecrets.hashLink} for `invitation`); unique. */
  readonly linkHash: string;
  /** The administrator who made it; `null` when an operator made it at the command line (the audit record names them). */
  readonly createdBy: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt: number | null;
  /** The account registered with it, once used. */
  readonly userId: string | null;
  readonly revokedAt: number | null;
}

/** Where an invitation stands at a given time. */
export type InvitationStatus = 'pending' | 'used' | 'expired' | 'revoked';

/** The most invitations one {@link InvitationStore.list} call returns. */
export const INVITATION_LIST_MAX_LIMIT = 100;

/** What {@link InvitationStore.list} reads: one page, newest first. */
export interface InvitationListQuery {
  /** Only invitations in this status at `now`. */
  readonly status?: InvitationStatus;
  readonly now: number;
  /** Only invitations older than this one (the last of the previous page), in (`createdAt`, `id`) order. */
  readonly before?: { readonly at: number; readonly id: string };
  /** 1 to {@link INVITATION_LIST_MAX_LIMIT}. */
  readonly limit: number;
}

/** Options of {@link InvitationStore.create}. */
export interface InvitationCreateOptions {
  /** The role the maker (`createdBy`) must hold, enabled, when the invitation is stored. */
  readonly makerRole?: string;
}

/** One page of {@link InvitationStore.list}. */
export interface InvitationListPage {
  readonly invitations: readonly InvitationRecord[];
  /** Whether more invitations follow this page. */
  readonly more: boolean;
}

/**
 * Invitations to register. They live beside the users and the mail outbox
 * because an invitation is stored with its mail, and used with the account it
 * creates, each in one transaction. Backend failures surface as
 * `AuthError('ERR_STORE_UNAVAILABLE')`. A backend proves itself with
 * `runInvitationStoreSuite` from `@jwtgate/core/testing`.
 */
export interface InvitationStore {
  /**
   * Inserts the invitation and queues its mail (if any) in one transaction:
   * both or neither. With `makerRole`, only if the invitation's `createdBy`
   * is, in that transaction, an enabled user holding `makerRole` (their row
   * locked until it ends, so a concurrent demotion comes after or is seen);
   * otherwise throws `AuthError('ERR_FORBIDDEN')` (reason `actor-not-holder`)
   * and stores nothing.
   */
  create(invitation: InvitationRecord, mail: OutboxMail | null, options?: InvitationCreateOptions): Promise<void>;
  /** The invitation with this link hash that is unused, unrevoked and unexpired at `now`, or `null`. */
  findLive(linkHash: string, now: number): Promise<InvitationRecord | null>;
  /** One page, newest first, each page one query; `RangeError` for a `limit` outside 1 to {@link INVITATION_LIST_MAX_LIMIT}. */
  list(query: InvitationListQuery): Promise<InvitationListPage>;
  /** Revokes the pending invitation with this id and answers it as revoked, or `null` when no pending one has it. */
  revoke(id: string, now: number): Promise<InvitationRecord | null>;
  /**
   * Marks the live invitation of this link hash used by `user` and inserts
   * `user`, in one transaction. Of concurrent calls with one invitation
   * exactly one succeeds; the others throw `AuthError('ERR_INVITATION_INVALID')`,
   * as does an invitation that is not live. When the insert fails
   * (`ERR_USERNAME_TAKEN`, `ERR_EMAIL_TAKEN`, as {@link UserStore.create}) the
   * invitation stays unused.
   */
  accept(linkHash: string, user: UserRecord, now: number): Promise<InvitationRecord>;
}

/**
 * Where `invitation` stands at `now`: used and revoked are final; an unused
 * one past its expiry is expired.
 *
 * @example
 * invitationStatus(invitation, clock.now()); // 'pending'
 */
export function invitationStatus(invitation: InvitationRecord, now: number): InvitationStatus {
  if (invitation.usedAt !== null) return 'used';
  if (invitation.revokedAt !== null) return 'revoked';
  return invitation.expiresAt <= now ? 'expired' : 'pending';
}
