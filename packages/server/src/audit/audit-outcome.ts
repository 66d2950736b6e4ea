import type { AuditOutcome } from '@jwtgate/core';
import type { AuditEventName } from './audit-record.js';

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
  'admin.user-changed': 'success',
  'admin.user-signed-out': 'success',
  'admin.access-denied': 'denied',
};

/**
 * How an audited event ended, for the `outcome` column that queries filter on.
 *
 * @example
 * auditOutcome('login.failed'); // 'failure'
 */
export function auditOutcome(event: AuditEventName): AuditOutcome {
  return outcomes[event];
}
