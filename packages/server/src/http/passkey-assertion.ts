import { isAuthError, type MfaThrottle } from '@jwtgate/core';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { SecurityEvents } from '../audit/security-events.js';
import {
  type AssertionPurpose,
  ClonedPasskeyError,
  type VerifiedAssertion,
  verifyAssertion,
} from '../passkeys/assert-passkey.js';
import type { PasskeyDeps } from '../passkeys/passkey-challenges.js';

/**
 * A passkey assertion, counted against a limit first: every answer counts as
 * a failure until it verifies (so concurrent guesses cannot slip past), a
 * good one is taken back, and one that could not be judged (a store down)
 * too. A cloned authenticator is reported, as an alert, before it is refused.
 *
 * @example
 * const { passkey } = await throttledAssertion({ passkeys, throttle, events }, { subject: user.id, ceremony, response, client });
 */
export async function throttledAssertion(
  deps: {
    readonly passkeys: PasskeyDeps;
    readonly throttle: MfaThrottle;
    readonly events?: SecurityEvents | undefined;
  },
  input: {
    /** Whose limit the answer counts against: the user, or for a passwordless sign-in the client's network. */
    readonly subject: string;
    readonly ceremony: AssertionPurpose;
    readonly response: AuthenticationResponseJSON;
    readonly client: { readonly ip: string | null; readonly userAgent: string | null };
  },
): Promise<VerifiedAssertion> {
  const reservation = await deps.throttle.reserve(input.subject);
  let verified: VerifiedAssertion;
  try {
    verified = await verifyAssertion(deps.passkeys, input.ceremony, input.response);
  } catch (error) {
    if (error instanceof ClonedPasskeyError) {
      deps.events?.passkeyCloned({
        userId: error.passkey.userId,
        credentialId: error.passkey.id,
        storedCounter: error.passkey.counter,
        presentedCounter: error.presentedCounter,
        client: input.client,
      });
    }
    if (!isAuthError(error, 'ERR_PASSKEY_INVALID')) await reservation.cancel().catch(() => {});
    throw error;
  }
  await reservation.succeed().catch(() => {});
  return verified;
}
