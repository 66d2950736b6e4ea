/**
 * How an audited event ended, derived from its name: `success` (it did what
 * was asked), `failure` (a credential or token was refused), `denied` (a
 * caller was refused for who they are or how often they asked), `alert`
 * (something an operator should look at that is neither).
 */
export type AuditOutcome = 'success' | 'failure' | 'denied' | 'alert';

/** Every outcome, for validation and documentation. */
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['success', 'failure', 'denied', 'alert'];

/**
 * One audit record as an {@link AuditStore} keeps it: the columns every
 * query may filter on, and the event's other fields as `details`. Never
 * holds a token, a secret or a password: the writer only ever hands it the
 * fields of the audit schema.
 */
export interface StoredAuditRecord {
  /** Unique; the same id as the record's structured log line, so the two can be matched. */
  readonly id: string;
  /** Milliseconds since the epoch. */
  readonly at: number;
  /** The event name (`login.failed`). */
  readonly event: string;
  readonly outcome: AuditOutcome;
  readonly userId: string | null;
  readonly sessionId: string | null;
  /** Who acted on someone else's behalf (an administrator), when not the user. */
  readonly actorId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** The id of the HTTP request that caused it, when one did. */
  readonly requestId: string | null;
  /** The event's other fields, as JSON. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** What {@link AuditStore.query} selects; every filter given must match. */
export interface AuditQuery {
  readonly userId?: string;
  readonly sessionId?: string;
  /** Any of these event names. */
  readonly events?: readonly string[];
  readonly outcome?: AuditOutcome;
  readonly ip?: string;
  /** At or after this time (milliseconds since the epoch). */
  readonly since?: number;
  /** Strictly before this time. */
  readonly until?: number;
  /** Records per page, 1 to {@link AUDIT_PAGE_MAX}. */
  readonly limit: number;
  /** `nextCursor` of the previous page; omitted for the first page. */
  readonly cursor?: string;
}

/** The most records one page may hold. */
export const AUDIT_PAGE_MAX = 200;

/** One page of records, newest first. */
export interface AuditPage {
  readonly records: readonly StoredAuditRecord[];
  /** Pass as `cursor` for the next (older) page; `null` when this is the last. */
  readonly nextCursor: string | null;
}

/**
 * Where audit records are kept for querying. Every method is one atomic
 * round trip (one statement or one transaction). Backend failures surface as
 * `AuthError('ERR_STORE_UNAVAILABLE')`.
 */
export interface AuditStore {
  /**
   * Stores a batch of records all or nothing (one transaction). Idempotent by
   * `id`: a record whose id is already stored is skipped, not an error, so a
   * batch whose first attempt timed out with an unknown outcome can be
   * appended again without duplicating anything.
   */
  append(records: readonly StoredAuditRecord[]): Promise<void>;
  /**
   * The records matching every filter of `query`, newest first (by time,
   * then id), one page at a time with keyset pagination: a page is read from
   * where the cursor points, so records appended meanwhile never shift or
   * repeat the pages still to come. Throws `AuthError('ERR_INVALID_CURSOR')`
   * for a cursor it did not issue.
   */
  query(query: AuditQuery): Promise<AuditPage>;
  /** Deletes every record older than `before` (one statement); answers how many. */
  prune(before: number): Promise<number>;
}
