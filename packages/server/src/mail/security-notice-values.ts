import type { AccountChange, MailContent } from '@jwtgate/core';
import type { MailValues } from './mail-templates.js';

/** Each change as the clause a notice names it with. */
const CLAUSES: Readonly<Record<AccountChange, string>> = {
  'password-changed': 'your password was changed',
  'password-reset': 'your password was reset with a link mailed to this address',
  'password-set': 'an administrator set a new password',
  'authenticator-app-added': 'an authenticator app was turned on as a second factor',
  'authenticator-app-removed': 'the authenticator app was turned off',
  'recovery-codes-renewed': 'new recovery codes were made (the old ones no longer work)',
  'passkey-added': 'a passkey was added',
  'passkey-removed': 'a passkey was removed',
  'identity-linked': 'a sign-in with {provider} was linked',
  'identity-unlinked': 'the sign-in with {provider} was unlinked',
  'second-factors-reset': 'an administrator removed your second factors (authenticator app and passkeys)',
};

/** What a request's client is shown as when unknown, or not shown (an administrator's own network). */
const UNKNOWN = 'unknown';

/**
 * The template values of a `security-notice`: the change as a clause, when
 * it was made (UTC), and the network and browser it came from as the audit
 * trail has them. Only these: a notice never carries a secret, and the
 * template escapes each value in HTML.
 *
 * @example
 * securityNoticeValues({ kind: 'passkey-added', at: clock.now(), ip: '203.0.113.7', userAgent: 'Firefox' });
 */
export function securityNoticeValues(
  change: NonNullable<MailContent['change']>,
): Pick<MailValues, 'change' | 'when' | 'ip' | 'userAgent'> {
  return {
    change: CLAUSES[change.kind].replace('{provider}', change.provider ?? 'an identity provider'),
    when: new Date(change.at).toUTCString(),
    ip: change.ip ?? UNKNOWN,
    userAgent: change.userAgent ?? UNKNOWN,
  };
}
