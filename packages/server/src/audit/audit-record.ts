/**
 * The audit trail's schema: one JSON object per security event. The schema
 * is public (docs/operations.md) and versioned: fields are only ever added;
 * renaming or removing one, or changing its meaning, raises
 * {@link AUDIT_VERSION}.
 *
 * No record ever holds a token, a secret or a password. Usernames appear
 * only where they name an existing account; an attempted username that may
 * not be one (a login for an unknown name could be a password typed in the
 * wrong field) is kept only as a keyed digest.
 */

/** The version of this schema, carried by every record as `auditVersion`. */
export const AUDIT_VERSION = 1;

/** Where a request came from, as the session list shows it. */
export interface AuditClient {
  /** The client address (`X-Forwarded-For` only from `Server.TrustProxy`). */
  readonly ip: string | null;
  /** At most 512 characters. */
  readonly userAgent: string | null;
}

/** Who ended a session. */
export type AuditActor = 'self' | 'admin' | 'system';

/** Every event the trail records, by its `event` name. */
export type AuditEvent =
  | (AuditClient & {
      readonly event: 'login.succeeded';
      readonly userId: string;
      readonly username: string;
      readonly usernameDigest: string;
      readonly sessionId: string;
      /** The label the client gave the device, or `null`. */
      readonly device: string | null;
    })
  | (AuditClient & {
      readonly event: 'login.failed';
      /** Internal: `unknown-user`, `wrong-password`, `disabled` or `password-too-long`. */
      readonly reason: string;
      /** Only when the name belongs to an account (`wrong-password`, `disabled`). */
      readonly username?: string;
      readonly usernameDigest: string;
    })
  | (AuditClient & {
      readonly event: 'login.rate-limited';
      readonly usernameDigest: string;
      readonly retryAfterSec: number;
    })
  | (AuditClient & {
      readonly event: 'user.registered';
      readonly userId: string;
      readonly username: string;
    })
  | (AuditClient & {
      readonly event: 'session.refreshed' | 'session.refresh-replayed' | 'session.reuse-detected';
      readonly sessionId: string;
      readonly userId: string;
      /**
       * After a rotation, the new generation; for a grace replay, the
       * current one; for a reuse, the generation of the token presented.
       */
      readonly generation: number;
    })
  | {
      readonly event: 'session.revoked';
      readonly sessionId: string;
      readonly userId: string;
      readonly reason: string;
      readonly actor: AuditActor;
      /** The administrator's user id, when `actor` is `admin`. */
      readonly actorId?: string;
    }
  | (AuditClient & {
      readonly event: 'admin.user-changed';
      readonly actorId: string;
      readonly userId: string;
      readonly changes: { readonly disabled?: boolean; readonly role?: string };
      readonly revokedSessions: number;
    })
  | (AuditClient & {
      readonly event: 'admin.user-signed-out';
      readonly actorId: string;
      readonly userId: string;
      readonly revokedSessions: number;
    })
  | (AuditClient & {
      readonly event: 'admin.access-denied';
      /** The authenticated caller who is not an enabled administrator. */
      readonly userId: string;
      readonly method: string;
      /** The route pattern (`/admin/users/:id`), not the path. */
      readonly route: string;
    });

/** The name of an audit event. */
export type AuditEventName = AuditEvent['event'];

/** A record as written: the event and its envelope. */
export type AuditRecord = AuditEvent & {
  /** Marks audit records in the structured log, so they can be routed apart. */
  readonly audit: true;
  readonly auditVersion: typeof AUDIT_VERSION;
  /** Unique: the same record in the log, the file, the database and a webhook delivery. */
  readonly id: string;
  /** When it happened, ISO 8601 in UTC with milliseconds. */
  readonly at: string;
  /** The HTTP request that caused it (its `reqId` in the log), when a request did. */
  readonly requestId?: string;
  /**
   * Events without a session of their own (admin actions) made by an
   * authenticated request: the caller's session.
   */
  readonly sessionId?: string;
  /** Events without a client of their own (revocations) made by a request: that request's client. */
  readonly ip?: string | null;
  readonly userAgent?: string | null;
};

/** Events that call for attention: written to the log at `warn` rather than `info`. */
export const ALERTING_EVENTS: ReadonlySet<AuditEventName> = new Set([
  'session.reuse-detected',
  'login.rate-limited',
  'admin.access-denied',
]);
