import { AuthError, type Passkey } from '@jwtgate/core';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import { issueChallenge, type PasskeyDeps, takeChallenge } from './passkey-challenges.js';

/** Which ceremony an assertion finishes. */
export type AssertionPurpose =
  /** Passwordless: any discoverable passkey of any user, with user verification. */
  | { readonly purpose: 'sign-in' }
  /** The second step of a paused login: one of this user's passkeys. */
  | { readonly purpose: 'second-factor'; readonly userId: string; readonly loginChallengeId: string };

/** A passkey that signed, with what it said about the user. */
export interface VerifiedAssertion {
  /** As stored before this use. */
  readonly passkey: Passkey;
  readonly userVerified: boolean;
}

/** A counter that did not move forward: two authenticators hold one key. */
export class ClonedPasskeyError extends AuthError {
  constructor(
    readonly passkey: Passkey,
    readonly presentedCounter: number,
  ) {
    super('ERR_PASSKEY_INVALID', { reason: 'counter', userId: passkey.userId });
  }
}

/**
 * What the browser passes to `navigator.credentials.get()`. Passwordless:
 * no credential list (the authenticator offers the passkeys it holds for
 * this site, so no username is asked and none is revealed), user
 * verification required. Second factor: the user's passkeys, verification
 * preferred (the password was the first factor).
 *
 * @example
 * const options = await assertionOptions(deps, { purpose: 'sign-in' }, []);
 */
export async function assertionOptions(
  deps: PasskeyDeps,
  ceremony: AssertionPurpose,
  allowed: readonly Passkey[],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const challenge = await issueChallenge(
    deps,
    ceremony.purpose === 'sign-in'
      ? { purpose: 'sign-in', userId: null, loginChallengeId: null }
      : { purpose: 'second-factor', userId: ceremony.userId, loginChallengeId: ceremony.loginChallengeId },
  );
  return generateAuthenticationOptions({
    rpID: deps.relyingParty.rpId,
    challenge,
    userVerification: ceremony.purpose === 'sign-in' ? 'required' : 'preferred',
    allowCredentials: allowed.map((passkey) => ({ id: passkey.id, transports: passkey.transports as never })),
  });
}

/**
 * Checks an authenticator's answer: the challenge is spent first (one
 * answer per challenge, good or not), then the credential is looked up, its
 * origin, RP id, user presence (and verification, passwordless) and
 * signature checked by `@simplewebauthn/server`, and only then the counter,
 * so that nobody without the key can raise a clone alarm. The counter moves
 * forward in the store's compare-and-swap; a counter that did not is a
 * cloned authenticator: {@link ClonedPasskeyError}. Every refusal is
 * `ERR_PASSKEY_INVALID`: an unknown credential looks like a bad signature.
 *
 * @example
 * const { passkey, userVerified } = await verifyAssertion(deps, { purpose: 'sign-in' }, body.credential);
 */
export async function verifyAssertion(
  deps: PasskeyDeps,
  ceremony: AssertionPurpose,
  response: AuthenticationResponseJSON,
): Promise<VerifiedAssertion> {
  const expectedUser = ceremony.purpose === 'second-factor' ? ceremony.userId : undefined;
  const { challenge } = await takeChallenge(
    deps,
    response.response?.clientDataJSON,
    ceremony.purpose === 'sign-in'
      ? { purpose: 'sign-in' }
      : { purpose: 'second-factor', userId: ceremony.userId, loginChallengeId: ceremony.loginChallengeId },
  );
  const refuse = (reason: string, userId = expectedUser) =>
    new AuthError('ERR_PASSKEY_INVALID', { reason, ...(userId === undefined ? {} : { userId }) });
  const passkey = typeof response.id === 'string' ? await deps.passkeys.find(response.id) : null;
  if (passkey === null) throw refuse('unknown-credential');
  if (expectedUser !== undefined && passkey.userId !== expectedUser) throw refuse('other-user');
  // A discoverable passkey names its user; it must be the one it was registered to.
  const userHandle = response.response.userHandle;
  if (userHandle !== undefined && userHandle !== Buffer.from(passkey.userId).toString('base64url')) {
    throw refuse('user-handle', passkey.userId);
  }
  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...deps.relyingParty.origins],
      expectedRPID: deps.relyingParty.rpId,
      // Counter 0 turns the library's own counter check off: it runs before the signature, and here it runs after.
      credential: {
        id: passkey.id,
        publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
        counter: 0,
      },
      requireUserVerification: ceremony.purpose === 'sign-in',
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    throw refuse(/user verification/i.test(message) ? 'user-not-verified' : 'assertion', passkey.userId);
  }
  if (!verification.verified) throw refuse('signature', passkey.userId);
  const { newCounter, credentialBackedUp, userVerified } = verification.authenticationInfo;
  const forward = newCounter > passkey.counter || (newCounter === 0 && passkey.counter === 0);
  const recorded =
    forward &&
    (await deps.passkeys.recordUse(passkey.id, {
      counter: newCounter,
      backedUp: credentialBackedUp,
      usedAt: deps.clock.now(),
    }));
  if (!recorded) throw new ClonedPasskeyError(passkey, newCounter);
  return { passkey, userVerified };
}
