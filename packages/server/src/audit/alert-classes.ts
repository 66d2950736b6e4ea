import type { AuditEventName, AuditRecord } from './audit-record.js';

/**
 * How much an alert matters when the webhook cannot keep up: a `high` one is
 * never dropped to make room for a `low` one, and is never folded into
 * another.
 */
export type AlertSeverity = 'high' | 'low';

/** What a record of a low-severity event is grouped by within an aggregation window. */
export type AlertGrouping = 'usernameDigest' | 'sessionId' | 'userId';

/** The class of one alerting event. */
export type AlertClass =
  | { readonly severity: 'high' }
  | {
      readonly severity: 'low';
      /** The field naming what the event is about; its records within one window become one alert. */
      readonly groupBy: AlertGrouping;
    };

/**
 * Every event that raises an alert, and its class. The rule behind the split:
 *
 * - `high`: someone other than the account's owner may be in the account, or
 *   may have just taken it over. Each one is a decision for a person (end
 *   the sessions, call the user), so each is sent on its own and kept
 *   whatever else is queued. An attacker can raise some of them at will
 *   (a reuse detection of their own session), which is why a queue full of
 *   highs drops from the account with most waiting, never first come.
 * - `low`: refusals that the server already enforced, which an attacker
 *   raises for free and by the thousand (a throttled login costs one
 *   request). They matter as a rate, not one by one, so repeats within a
 *   window are counted into one alert, and they give way to highs.
 */
export const ALERT_CLASSES: Readonly<Partial<Record<AuditEventName, AlertClass>>> = {
  // A spent refresh token came back: it was copied, and a thief may hold the live one.
  'session.reuse-detected': { severity: 'high' },
  // A recovery code finished a login: the user lost their app, or someone else holds their codes.
  'mfa.recovery-code-used': { severity: 'high' },
  // A second factor turned off by whoever holds a session: the first move of a takeover that wants to stay.
  'mfa.removed': { severity: 'high' },
  // A passkey's counter went back: two authenticators hold its key, and one of them is not the owner's.
  'mfa.passkey-cloned': { severity: 'high' },
  // An administrator removed a user's second factors: the help-desk route into an account.
  'admin.mfa-reset': { severity: 'high' },
  // An operator chose a user's password: whoever knows it can now sign in as them.
  'admin.password-set': { severity: 'high' },
  // A role given or taken by an administrator: how a stolen admin session widens its reach.
  'admin.user-changed': { severity: 'high' },
  // The account's address changed: whoever controls the new one can reset the password.
  'email.changed': { severity: 'high' },
  // Throttled logins of one account, from any address.
  'login.rate-limited': { severity: 'low', groupBy: 'usernameDigest' },
  // A session refreshed too often: a client in a loop, or a token in several hands; its 429s already stop it.
  'session.refresh-rate-exceeded': { severity: 'low', groupBy: 'sessionId' },
  // A signed-in user trying the administration API, refused every time.
  'admin.access-denied': { severity: 'low', groupBy: 'userId' },
  // Second-factor codes refused before being checked: the password is known, but guessing is stopped.
  'mfa.rate-limited': { severity: 'low', groupBy: 'userId' },
};

/** Events that call for attention: written to the log at `warn` rather than `info`, and sent to the webhook. */
export const ALERTING_EVENTS: ReadonlySet<AuditEventName> = new Set(Object.keys(ALERT_CLASSES) as AuditEventName[]);

/**
 * The class of `event`, or `undefined` when it raises no alert.
 *
 * @example
 * alertClassOf('login.rate-limited'); // { severity: 'low', groupBy: 'usernameDigest' }
 */
export function alertClassOf(event: AuditEventName): AlertClass | undefined {
  return ALERT_CLASSES[event];
}

/**
 * Who an alert is about (the account, else the session, else the attempted
 * name, else the address): when highs alone fill the queue, the subject with
 * most waiting gives one up first, so one account cannot push out another's.
 *
 * @example
 * alertSubjectOf(record); // 'user:6f1c…'
 */
export function alertSubjectOf(record: AuditRecord): string {
  const fields = record as Partial<Record<'userId' | 'sessionId' | 'usernameDigest' | 'ip', string | null>>;
  if (typeof fields.userId === 'string') return `user:${fields.userId}`;
  if (typeof fields.sessionId === 'string') return `session:${fields.sessionId}`;
  if (typeof fields.usernameDigest === 'string') return `name:${fields.usernameDigest}`;
  return `ip:${fields.ip ?? ''}`;
}
