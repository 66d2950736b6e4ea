import type { EmailTokenPurpose, IdentityStore, MfaStore, PasskeyStore } from '@jwtgate/core';
import type { AuditClient } from '../audit/audit-record.js';
import type { SecurityEvents } from '../audit/security-events.js';

/** What {@link removeUnprovenWaysIn} needs. */
export interface UnprovenWaysInDeps {
  readonly identities: Pick<IdentityStore, 'unlinkAll'>;
  readonly factors: Pick<MfaStore, 'removeFactor'>;
  readonly passkeys: Pick<PasskeyStore, 'removeAll'>;
  readonly events?: Pick<SecurityEvents, 'unprovenWaysInRemoved'> | undefined;
}

/**
 * At the first proof of an account's address, removes the linked
 * identities, passkeys and authenticator app the account gained while nobody
 * had proven it (accounts older than the rule that refuses them now): they
 * may be a squatter's, who registered the address first (account
 * pre-hijacking), and would let them in beside the owner, or ask the owner
 * for a factor they do not have. Removal rather than a list to review: the
 * owner cannot tell a squatter's passkey from their own by its name, and can
 * add their own again in a minute. What was removed goes to the audit trail.
 *
 * @example
 * await removeUnprovenWaysIn(deps, user.id, 'sign-in', clientInfo(request));
 */
export async function removeUnprovenWaysIn(
  deps: UnprovenWaysInDeps,
  userId: string,
  proof: EmailTokenPurpose,
  client: AuditClient,
): Promise<void> {
  const identities = await deps.identities.unlinkAll(userId);
  const passkeys = await deps.passkeys.removeAll(userId);
  const authenticatorApp =
    (await deps.factors.removeFactor(userId, { kind: 'totp' }, { keepOne: false })) === 'removed';
  if (identities.length > 0 || passkeys > 0 || authenticatorApp) {
    deps.events?.unprovenWaysInRemoved({ userId, proof, identities, passkeys, authenticatorApp, client });
  }
}
