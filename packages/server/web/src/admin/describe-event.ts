import type { AuditEntry } from './admin-api.js';

/** Each audit event in a few plain words; an event not listed shows its name. */
const EVENTS: Readonly<Record<string, string>> = {
  'login.succeeded': 'Signed in',
  'login.failed': 'Sign-in refused',
  'login.rate-limited': 'Sign-in refused: too many attempts',
  'user.registered': 'Account created',
  'user.deleted': 'Account deleted',
  'session.refreshed': 'Session refreshed',
  'session.refresh-replayed': 'Refresh repeated within the grace window',
  'session.reuse-detected': 'Spent refresh token reused: session ended',
  'session.refresh-rate-exceeded': 'Session refreshed too often',
  'session.revoked': 'Session ended',
  'admin.user-changed': 'Role changed by an administrator',
  'admin.user-disabled': 'Account disabled by an administrator',
  'admin.user-enabled': 'Account enabled by an administrator',
  'admin.user-signed-out': 'Signed out everywhere by an administrator',
  'admin.session-revoked': 'Session ended by an administrator',
  'admin.access-denied': 'Refused the admin API: not an administrator',
  'admin.mfa-reset': 'Second factors reset by an administrator',
  'admin.password-reset-sent': 'Password reset link mailed by an administrator',
  'admin.invitation-created': 'Invitation made by an administrator',
  'admin.invitation-revoked': 'Invitation revoked by an administrator',
  'password.changed': 'Password changed',
  'password.change-failed': 'Password change refused',
  'password.reset': 'Password set from a reset link',
  'email.requested': 'Mail with a link or code asked for',
  'email.used': 'Mailed link or code used',
  'email.refused': 'Mailed link or code refused',
  'email.mailed': 'Mail delivered',
  'email.failed': 'Mail given up on',
  'email.changed': 'Email address changed',
  'mfa.enrolled': 'Authenticator app set up',
  'mfa.removed': 'Authenticator app removed',
  'mfa.recovery-codes-renewed': 'Recovery codes renewed',
  'mfa.recovery-code-used': 'Recovery code used to sign in',
  'mfa.failed': 'Second-factor code refused',
  'mfa.rate-limited': 'Second factor refused: too many attempts',
  'oauth.failed': 'Sign-in through an identity provider refused',
  'identity.linked': 'Identity provider account linked',
  'identity.unlinked': 'Identity provider account unlinked',
  'keys.reloaded': 'Signing keys reloaded without a restart',
};

/**
 * "Sign-in refused", "Role changed by an administrator": what an audit
 * record's event means.
 *
 * @example
 * describeEvent('login.failed'); // 'Sign-in refused'
 */
export function describeEvent(event: string): string {
  return EVENTS[event] ?? event;
}

const METHODS: Readonly<Record<string, string>> = { pwd: 'password', otp: 'one-time code', hwk: 'security key' };

/**
 * How a session was signed in, from its RFC 8176 methods: "password and
 * one-time code (two factors)". `otp` is an authenticator app's code or a
 * mailed one; `mfa` marks a sign-in with two factors.
 *
 * @example
 * describeAmr(['pwd', 'otp', 'mfa']); // 'password and one-time code (two factors)'
 */
export function describeAmr(amr: readonly string[] | null | undefined): string {
  if (amr === null || amr === undefined || amr.length === 0) return 'not recorded';
  const methods = amr.filter((method) => method !== 'mfa').map((method) => METHODS[method] ?? method);
  return `${methods.join(' and ')}${amr.includes('mfa') ? ' (two factors)' : ''}`;
}

/** Fields for machines (the record format's version, the digest that groups attempts on one name). */
const UNSHOWN_DETAILS = new Set(['auditVersion', 'usernameDigest']);

/**
 * The record's other fields in one line ("reason: wrong-password, changes:
 * role → support"), skipping those the table shows in its own columns.
 *
 * @example
 * describeDetails(record); // 'reason: wrong-password'
 */
export function describeDetails(record: AuditEntry): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(record.details)) {
    if (value === null || value === undefined || UNSHOWN_DETAILS.has(name)) continue;
    if (name === 'changes' && typeof value === 'object') {
      for (const [changed, to] of Object.entries(value as Record<string, unknown>))
        parts.push(`${changed} → ${String(to)}`);
      continue;
    }
    parts.push(`${name}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  }
  return parts.join(', ');
}
