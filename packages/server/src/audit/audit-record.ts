import type { AdminActorFields } from './admin-actor.js';

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

/** Who ended a session: `cli` is an operator at the command line (`jwtgate user logout`...). */
export type AuditActor = 'self' | 'admin' | 'cli' | 'system';

/**
 * How an administrator's action ended: `success`, or `failure` with the
 * error code the administrator was answered with (`ERR_LAST_ADMIN`,
 * `ERR_USER_NOT_FOUND`, `ERR_STORE_UNAVAILABLE`…). The same words as the
 * stored records' `outcome` column, which takes the action's own outcome.
 */
export interface ActionOutcome {
  readonly outcome: 'success' | 'failure';
  /** Only when `outcome` is `failure`. */
  readonly errorCode?: string;
}

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
      /** RFC 8176 methods of the sign-in (`pwd`, `otp`, `mfa`); absent on records written before they were kept. */
      readonly amr?: readonly string[];
    })
  | (AuditClient & {
      readonly event: 'login.failed';
      /** Internal: `unknown-user`, `wrong-password`, `disabled`, `password-too-long` or `email-not-verified` (the password was right). */
      readonly reason: string;
      /** Only when the name belongs to an account (`wrong-password`, `disabled`). */
      readonly username?: string;
      /** The account's id, likewise only when the name belongs to one. */
      readonly userId?: string;
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
      /** The invitation registered with (`POST /auth/register` with `invitation`), by id; never its link. */
      readonly invitationId?: string;
      /** `cli` when an operator made the account at the command line (`jwtgate user add`), with `operator` and `role`. */
      readonly actor?: 'cli';
      /** The operating-system account that ran `jwtgate user add`. */
      readonly operator?: string;
      /** The role given, on an account an operator made. */
      readonly role?: string;
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
  | (AuditClient & {
      /**
       * A session refreshed more often than `Refresh.MaxPerSession` allows:
       * a client in a loop, or one refresh token in several hands. Once per
       * window; the refresh that raised it, and the rest of the window's, got 429.
       */
      readonly event: 'session.refresh-rate-exceeded';
      readonly sessionId: string;
      readonly retryAfterSec: number;
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
  | (AuditClient &
      ActionOutcome &
      AdminActorFields & {
        /** A role change (`PATCH /admin/users/:id`, `jwtgate user set-role`). */
        readonly event: 'admin.user-changed';
        readonly userId: string;
        readonly changes: { readonly disabled?: boolean; readonly role?: string };
        readonly revokedSessions: number;
      })
  | (AuditClient &
      ActionOutcome & {
        /**
         * An account deleted (`DELETE /auth/me`, `DELETE /admin/users/:id`,
         * `jwtgate user delete`). Names no username: the account is gone, and
         * its earlier records keep only its id.
         */
        readonly event: 'user.deleted';
        readonly userId: string;
        /** `self`, `admin` (with `actorId`), or `cli` for the command line (with `operator`). */
        readonly actor: 'self' | 'admin' | 'cli';
        readonly actorId?: string;
        /** The operating-system account that ran `jwtgate user delete`, when `actor` is `cli`. */
        readonly operator?: string;
        readonly revokedSessions: number;
      })
  | (AuditClient &
      ActionOutcome &
      AdminActorFields & {
        /** An invitation made (`POST /admin/invitations`) or revoked; never its link. */
        readonly event: 'admin.invitation-created' | 'admin.invitation-revoked';
        /** Absent for a creation that failed before the invitation existed. */
        readonly invitationId?: string;
        readonly role?: string;
      })
  | (AuditClient &
      ActionOutcome &
      AdminActorFields & {
        /** Forced logout everywhere (`POST /admin/users/:id/logout`). */
        readonly event: 'admin.user-signed-out';
        readonly userId: string;
        readonly revokedSessions: number;
      })
  | (AuditClient &
      ActionOutcome &
      AdminActorFields & {
        readonly event: 'admin.user-disabled' | 'admin.user-enabled';
        readonly userId: string;
        /** Sessions ended by disabling; always 0 for enabling. */
        readonly revokedSessions: number;
      })
  | (AuditClient &
      ActionOutcome &
      AdminActorFields & {
        /** One session ended by an administrator (`DELETE /admin/sessions/:id`). */
        readonly event: 'admin.session-revoked';
        readonly sessionId: string;
      })
  | (AuditClient &
      ActionOutcome &
      AdminActorFields & {
        /** An administrator mailed a user a password reset link (`POST /admin/users/:id/password-reset`). */
        readonly event: 'admin.password-reset-sent';
        readonly userId: string;
      })
  | (AuditClient &
      ActionOutcome &
      AdminActorFields & {
        /** An operator set a user's password (`jwtgate user set-password`); every session of the user ended. */
        readonly event: 'admin.password-set';
        readonly userId: string;
        readonly revokedSessions: number;
      })
  | (AuditClient & {
      /** A mail with a one-time secret was asked for (`reset-password`, `verify-email`, `change-email`, `sign-in`). */
      readonly event: 'email.requested';
      readonly purpose: string;
      /** Only when an enabled account has the address: a request for another sends nothing. */
      readonly userId?: string;
      /** `no-enabled-account` when nothing was sent. */
      readonly reason?: string;
    })
  | (AuditClient & {
      /** An emailed link or code was accepted. */
      readonly event: 'email.used';
      readonly purpose: string;
      readonly userId: string;
    })
  | (AuditClient & {
      /** An emailed link or code was refused: `malformed`, `unknown-used-or-expired`, `wrong-code`, `no-live-code`, `credentials-changed`, `user-disabled`, `user-deleted`. */
      readonly event: 'email.refused';
      readonly purpose: string;
      readonly userId?: string;
      readonly reason: string;
    })
  | (AuditClient & {
      /** A queued mail was accepted by the SMTP server (or, in development, logged). */
      readonly event: 'email.mailed';
      readonly kind: string;
      readonly attempts: number;
    })
  | (AuditClient & {
      /** A mail failed for good after `Mail.MaxAttempts` attempts (listed at `GET /admin/mail?status=failed`), or a security notice could not be queued (`attempts: 0`). */
      readonly event: 'email.failed';
      readonly kind: string;
      readonly attempts: number;
      /** The SMTP error code, never the server's URL. */
      readonly error: string;
    })
  | (AuditClient & {
      /** A password was set from a reset link; every session of the user ended. */
      readonly event: 'password.reset';
      readonly userId: string;
      readonly revokedSessions: number;
    })
  | (AuditClient & {
      /** The account's address changed (the confirmation link was followed). */
      readonly event: 'email.changed';
      readonly userId: string;
    })
  | (AuditClient & {
      readonly event: 'password.changed';
      readonly userId: string;
      /** The session the change was made from, which stays. */
      readonly sessionId: string;
      /** The user's other sessions, ended by the change. */
      readonly revokedSessions: number;
    })
  | (AuditClient & {
      readonly event: 'password.change-failed';
      readonly userId: string;
      readonly sessionId: string;
      /** `wrong-password`, `password-too-long`, `rate-limited` or `weak-password`. */
      readonly reason: string;
    })
  | (AuditClient & {
      /** A second factor set up (`method`: `totp`, or `webauthn` for a passkey). */
      readonly event: 'mfa.enrolled';
      readonly userId: string;
      readonly method: string;
    })
  | (AuditClient & {
      /** The user turned their second factor off, after a step-up and a fresh check. */
      readonly event: 'mfa.removed';
      readonly userId: string;
      readonly method: string;
    })
  | (AuditClient & {
      /** Fresh recovery codes replaced the old ones. */
      readonly event: 'mfa.recovery-codes-renewed';
      readonly userId: string;
    })
  | (AuditClient & {
      /**
       * A recovery code was spent: the user lost their app, or someone else
       * holds their codes. An alert.
       */
      readonly event: 'mfa.recovery-code-used';
      readonly userId: string;
      readonly recoveryCodesLeft: number;
    })
  | (AuditClient & {
      /**
       * A second-factor step refused: `wrong-totp`, `wrong-recovery` (a wrong
       * or spent code), or `binding` (an mfaToken presented from another
       * network or browser than the login's: it is spent).
       */
      readonly event: 'mfa.failed';
      readonly userId: string;
      readonly reason: string;
    })
  | (AuditClient & {
      /**
       * A passkey's signature was good but its counter did not move forward:
       * a second authenticator holds the key (cloned). Refused; an alert.
       */
      readonly event: 'mfa.passkey-cloned';
      readonly userId: string;
      /** The credential id (public, not a secret). */
      readonly credentialId: string;
      readonly storedCounter: number;
      readonly presentedCounter: number;
    })
  | (AuditClient & {
      /** Too many wrong second-factor codes for this user (`Mfa.MaxFailures`): an alert. */
      readonly event: 'mfa.rate-limited';
      readonly userId: string;
      readonly retryAfterSec: number;
    })
  | (AuditClient &
      ActionOutcome &
      AdminActorFields & {
        /** An administrator removed a user's second factors (`DELETE /admin/users/:id/mfa`); their sessions end. */
        readonly event: 'admin.mfa-reset';
        readonly userId: string;
        readonly revokedSessions: number;
      })
  | (AuditClient & {
      /**
       * A sign-in or link through an identity provider that ended without
       * one: `code` is what the page was told, `reason` the check that failed
       * (`state`, `replay`, `access_denied`, `id-token`, `unreachable`…).
       */
      readonly event: 'oauth.failed';
      readonly provider: string;
      readonly code: string;
      readonly reason: string;
      readonly userId?: string;
    })
  | (AuditClient & {
      /**
       * An identity provider ended jwtgate sessions, with a logout token
       * (back-channel logout) or through the browser (front-channel
       * logout): `ended` of them were live. Each also has its
       * `session.revoked` record (reason `provider-logout`).
       */
      readonly event: 'session.provider-logout';
      readonly provider: string;
      readonly ended: number;
      /** What the request named: a provider session (`sid`), or only a user there (`sub`, back-channel only). */
      readonly by: 'sid' | 'sub';
      /** `back`: a logout token posted by the provider; `front`: the provider's page, through the browser. */
      readonly channel: 'back' | 'front';
    })
  | (AuditClient & {
      /** An identity was linked to an account: at its first sign-in (`sign-up`), by the signed-in user, or by a verified address. */
      readonly event: 'identity.linked';
      readonly userId: string;
      readonly provider: string;
      readonly because: 'sign-up' | 'signed-in' | 'verified-email';
    })
  | (AuditClient & {
      /** The user removed an identity from their account. */
      readonly event: 'identity.unlinked';
      readonly userId: string;
      readonly provider: string;
    })
  | (AuditClient & {
      /**
       * The first proof of the account's address (`proof`: the mail's purpose)
       * removed what was added while nobody had proven it: these identities'
       * providers, this many passkeys, the authenticator app.
       */
      readonly event: 'account.unproven-ways-in-removed';
      readonly userId: string;
      readonly proof: string;
      readonly identities: readonly string[];
      readonly passkeys: number;
      readonly authenticatorApp: boolean;
    })
  | (AuditClient & {
      readonly event: 'admin.access-denied';
      /** The authenticated caller who is not an enabled administrator. */
      readonly userId: string;
      readonly method: string;
      /** The route pattern (`/admin/users/:id`), not the path. */
      readonly route: string;
    })
  | {
      /**
       * This instance swapped in new keys from `Auth.KeyFile` or
       * `Auth.PreviousKeyFiles` without a restart (`signal`: SIGHUP;
       * `interval`: the periodic check). Key ids only, never key material.
       */
      readonly event: 'keys.reloaded';
      readonly trigger: 'signal' | 'interval';
      readonly added: readonly string[];
      readonly removed: readonly string[];
      readonly signingKid: string;
      readonly previousSigningKid: string;
    };

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
