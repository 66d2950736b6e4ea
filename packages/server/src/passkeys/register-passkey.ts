import { AuthError, type Passkey } from '@jwtgate/core';
import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { issueChallenge, type PasskeyDeps, takeChallenge } from './passkey-challenges.js';

/** The longest credential id kept (WebAuthn allows 1023 bytes; authenticators make 16 to 64). */
const MAX_CREDENTIAL_ID_BYTES = 255;

/**
 * What the browser passes to `navigator.credentials.create()` for a new
 * passkey of this user: a discoverable credential (so it can sign in without
 * a username later), no attestation (jwtgate trusts no vendor list, and asks
 * nothing that identifies the device model), and the user's passkeys
 * excluded, so one authenticator is not registered twice. The user handle
 * is the user id: no name or address inside.
 *
 * @example
 * const options = await registrationOptions(deps, { user, existing: await deps.passkeys.list(user.id) });
 */
export async function registrationOptions(
  deps: PasskeyDeps,
  input: {
    readonly user: { readonly id: string; readonly username: string };
    readonly existing: readonly Passkey[];
    /** The paused login that sets its first factor up with this passkey (`LoginChallenge.id`); none when signed in. */
    readonly loginChallengeId?: string | null;
  },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const challenge = await issueChallenge(deps, {
    purpose: 'register',
    userId: input.user.id,
    loginChallengeId: input.loginChallengeId ?? null,
  });
  return generateRegistrationOptions({
    rpName: deps.relyingParty.rpName,
    rpID: deps.relyingParty.rpId,
    userName: input.user.username,
    userDisplayName: input.user.username,
    userID: new TextEncoder().encode(input.user.id),
    challenge,
    attestationType: 'none',
    excludeCredentials: input.existing.map((passkey) => ({
      id: passkey.id,
      transports: passkey.transports as never,
    })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
    // ES256 and RS256 (Ed25519 too): what authenticators make; WebAuthn asks for ES256 at least.
    supportedAlgorithmIDs: [-7, -8, -257],
  });
}

/**
 * Checks the authenticator's answer to {@link registrationOptions} (the
 * challenge spent first, then origin, RP id, user presence, the key) and
 * saves the new passkey. User verification is not required here: a security
 * key without a PIN is still a second factor; signing in without a password
 * requires it each time. Every refusal is `ERR_PASSKEY_INVALID`, with the
 * cause as its reason; a credential id that is registered already (to this
 * user or another) is refused and nothing is overwritten. A challenge
 * answers only the registration it was handed out for: a signed-in one, or
 * the one of the paused login `loginChallengeId`. Returns the passkey and
 * whether the authenticator verified its user.
 *
 * @example
 * const { passkey } = await registerPasskey(deps, { userId, response: body.credential, name: 'Laptop' });
 */
export async function registerPasskey(
  deps: PasskeyDeps,
  input: {
    readonly userId: string;
    readonly response: RegistrationResponseJSON;
    readonly name: string;
    readonly loginChallengeId?: string | null;
  },
): Promise<{ readonly passkey: Passkey; readonly userVerified: boolean }> {
  const { userId, response } = input;
  const { challenge } = await takeChallenge(deps, response.response?.clientDataJSON, {
    purpose: 'register',
    userId,
    loginChallengeId: input.loginChallengeId ?? null,
  });
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...deps.relyingParty.origins],
      expectedRPID: deps.relyingParty.rpId,
      requireUserVerification: false,
    });
  } catch {
    // The library's message may quote the answer; the reason stays generic.
    throw new AuthError('ERR_PASSKEY_INVALID', { reason: 'registration', userId });
  }
  if (!verification.verified) throw new AuthError('ERR_PASSKEY_INVALID', { reason: 'registration', userId });
  const info = verification.registrationInfo;
  const id = info.credential.id;
  if (Buffer.from(id, 'base64url').length > MAX_CREDENTIAL_ID_BYTES) {
    throw new AuthError('ERR_PASSKEY_INVALID', { reason: 'credential-id-too-long', userId });
  }
  const passkey: Passkey = {
    id,
    userId,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: (response.response.transports ?? []).filter((t) => /^[a-z-]{1,32}$/.test(t)).slice(0, 8),
    deviceType: info.credentialDeviceType,
    backupEligible: info.credentialDeviceType === 'multiDevice',
    backedUp: info.credentialBackedUp,
    name: input.name,
    createdAt: deps.clock.now(),
    lastUsedAt: null,
  };
  if (!(await deps.passkeys.add(passkey))) throw new AuthError('ERR_PASSKEY_INVALID', { reason: 'duplicate', userId });
  return { passkey, userVerified: info.userVerified };
}
