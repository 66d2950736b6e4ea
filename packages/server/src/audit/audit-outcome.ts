import type { AuditOutcome } from '@jwtgate/core';
import type { AuditEvent, AuditEventName } from './audit-record.js';

// Keyed by every event name: the compiler insists a new event says how it ends.
const outcomes: Record<AuditEventName, AuditOutcome> = {
  'login.succeeded': 'success',
  'login.failed': 'failure',
  'login.rate-limited': 'denied',
  'user.registered': 'success',
  'session.refreshed': 'success',
  'session.refresh-replayed': 'success',
  // The token was refused (and its session revoked): a failed refresh, and an alert besides.
  'session.reuse-detected': 'failure',
  'session.revoked': 'success',
  // A limit refused the refresh: the session is not ended, and an alert goes out besides.
  'session.refresh-rate-exceeded': 'denied',
  // Administrators' actions carry their own outcome (`success`, or `failure` with its code).
  'admin.user-changed': 'success',
  'admin.user-disabled': 'success',
  'admin.user-enabled': 'success',
  'admin.user-signed-out': 'success',
  'admin.session-revoked': 'success',
  'admin.access-denied': 'denied',
  'password.changed': 'success',
  'password.change-failed': 'failure',
  'password.reset': 'success',
  'email.requested': 'success',
  'email.used': 'success',
  'email.refused': 'failure',
  'email.mailed': 'success',
  'email.failed': 'failure',
  'email.changed': 'success',
  'mfa.enrolled': 'success',
  'mfa.removed': 'success',
  'mfa.recovery-codes-renewed': 'success',
  'mfa.recovery-code-used': 'success',
  'mfa.failed': 'failure',
  'mfa.rate-limited': 'denied',
  'mfa.passkey-cloned': 'failure',
  'admin.mfa-reset': 'success',
  'user.deleted': 'success',
  'admin.invitation-created': 'success',
  'admin.invitation-revoked': 'success',
  'admin.password-reset-sent': 'success',
  'admin.password-set': 'success',
  'oauth.failed': 'failure',
  'session.provider-logout': 'success',
  'identity.linked': 'success',
  'identity.unlinked': 'success',
  'account.unproven-ways-in-removed': 'success',
  'keys.reloaded': 'success',
};

/**
 * How an audited event ended, for the `outcome` column that queries filter
 * on: the event's own outcome when it carries one (an administrator's action
 * that failed), else what its kind means.
 *
 * @example
 * auditOutcome({ event: 'login.failed', reason: 'wrong-password', usernameDigest, ip, userAgent }); // 'failure'
 */
export function auditOutcome(record: AuditEvent): AuditOutcome {
  return 'outcome' in record ? record.outcome : outcomes[record.event];
}
