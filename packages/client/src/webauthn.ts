/**
 * The WebAuthn ceremonies in the browser: the server's options (JSON, with
 * base64url for every byte string) become the `ArrayBuffer`s
 * `navigator.credentials` wants, and the credential it answers becomes JSON
 * again, as `PublicKeyCredential.toJSON()` writes it. Written out here
 * rather than relying on `parseCreationOptionsFromJSON` and `toJSON`, which
 * not every browser in use has.
 */

import { JwtgateClientError } from './client-error.js';

/** What makes and uses passkeys: `navigator.credentials` in a browser; anything alike in tests. */
export interface WebAuthnLike {
  create(options: CredentialCreationOptions): Promise<Credential | null>;
  get(options: CredentialRequestOptions): Promise<Credential | null>;
}

/** A credential descriptor in the server's options. */
interface DescriptorJson {
  readonly id: string;
  readonly type: 'public-key';
  readonly transports?: readonly string[];
}

/** `POST /auth/passkeys/register/options`. */
export interface CreationOptionsJson {
  readonly challenge: string;
  readonly rp: { readonly id?: string; readonly name: string };
  readonly user: { readonly id: string; readonly name: string; readonly displayName: string };
  readonly pubKeyCredParams: readonly { readonly alg: number; readonly type: 'public-key' }[];
  readonly timeout?: number;
  readonly excludeCredentials?: readonly DescriptorJson[];
  readonly authenticatorSelection?: AuthenticatorSelectionCriteria;
  readonly attestation?: AttestationConveyancePreference;
}

/** `POST /auth/passkeys/login/options` and `POST /auth/mfa/webauthn/options`. */
export interface RequestOptionsJson {
  readonly challenge: string;
  readonly rpId?: string;
  readonly timeout?: number;
  readonly allowCredentials?: readonly DescriptorJson[];
  readonly userVerification?: UserVerificationRequirement;
}

/** base64url (no padding) to bytes. */
export function fromBase64url(text: string): ArrayBuffer {
  const base64 = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/** Bytes to base64url (no padding). */
export function toBase64url(buffer: ArrayBuffer | ArrayBufferView): string {
  const bytes =
    buffer instanceof ArrayBuffer
      ? new Uint8Array(buffer)
      : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function descriptor(d: DescriptorJson): PublicKeyCredentialDescriptor {
  return {
    id: fromBase64url(d.id),
    type: 'public-key',
    ...(d.transports ? { transports: [...d.transports] as AuthenticatorTransport[] } : {}),
  };
}

function cancelled(cause?: unknown): JwtgateClientError {
  return new JwtgateClientError('ERR_PASSKEY_CANCELLED', 'No passkey was used', 0, { cause });
}

/** The browser's ceremony; a refusal or time-out there (the user closed the dialog) is `ERR_PASSKEY_CANCELLED`. */
async function ceremony(run: () => Promise<Credential | null>): Promise<PublicKeyCredential> {
  let credential: Credential | null;
  try {
    credential = await run();
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name;
    if (name === 'NotAllowedError' || name === 'AbortError') throw cancelled(error);
    throw error;
  }
  if (credential === null) throw cancelled();
  return credential as PublicKeyCredential;
}

/** The fields every `PublicKeyCredential` has, as JSON. */
function credentialFields(credential: PublicKeyCredential) {
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: 'public-key' as const,
    ...(credential.authenticatorAttachment ? { authenticatorAttachment: credential.authenticatorAttachment } : {}),
    clientExtensionResults: credential.getClientExtensionResults() as Record<string, unknown>,
  };
}

/**
 * Makes a passkey with the server's creation options; the answer, as JSON,
 * goes to `POST /auth/passkeys/register/verify`.
 *
 * @example
 * const credential = await createPasskeyCredential(navigator.credentials, options);
 */
export async function createPasskeyCredential(webauthn: WebAuthnLike, options: CreationOptionsJson) {
  const credential = await ceremony(() =>
    webauthn.create({
      publicKey: {
        challenge: fromBase64url(options.challenge),
        rp: options.rp,
        user: { ...options.user, id: fromBase64url(options.user.id) },
        pubKeyCredParams: [...options.pubKeyCredParams],
        ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
        excludeCredentials: (options.excludeCredentials ?? []).map(descriptor),
        ...(options.authenticatorSelection === undefined
          ? {}
          : { authenticatorSelection: options.authenticatorSelection }),
        attestation: options.attestation ?? 'none',
      },
    }),
  );
  const response = credential.response as AuthenticatorAttestationResponse;
  return {
    ...credentialFields(credential),
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      attestationObject: toBase64url(response.attestationObject),
      transports: typeof response.getTransports === 'function' ? response.getTransports() : [],
    },
  };
}

/**
 * Signs the server's challenge with a passkey; the answer, as JSON, goes
 * to the route that gave the options.
 *
 * @example
 * const credential = await getPasskeyCredential(navigator.credentials, options);
 */
export async function getPasskeyCredential(webauthn: WebAuthnLike, options: RequestOptionsJson) {
  const credential = await ceremony(() =>
    webauthn.get({
      publicKey: {
        challenge: fromBase64url(options.challenge),
        ...(options.rpId === undefined ? {} : { rpId: options.rpId }),
        ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
        allowCredentials: (options.allowCredentials ?? []).map(descriptor),
        ...(options.userVerification === undefined ? {} : { userVerification: options.userVerification }),
      },
    }),
  );
  const response = credential.response as AuthenticatorAssertionResponse;
  return {
    ...credentialFields(credential),
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      authenticatorData: toBase64url(response.authenticatorData),
      signature: toBase64url(response.signature),
      ...(response.userHandle ? { userHandle: toBase64url(response.userHandle) } : {}),
    },
  };
}

/**
 * `navigator.credentials` where the platform has WebAuthn; `null` elsewhere.
 *
 * @example
 * const webauthn = defaultWebAuthn();
 */
export function defaultWebAuthn(): WebAuthnLike | null {
  const nav = (globalThis as { navigator?: { credentials?: WebAuthnLike } }).navigator;
  return typeof (globalThis as { PublicKeyCredential?: unknown }).PublicKeyCredential === 'function' &&
    nav?.credentials !== undefined
    ? nav.credentials
    : null;
}
