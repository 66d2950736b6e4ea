import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

/**
 * A WebAuthn authenticator in software, for driving the passkey routes with
 * real ES256 (P-256) keys and signatures: it builds authenticator data,
 * "none" attestations and assertions byte by byte, as a security key or a
 * phone would, so `@simplewebauthn/server` checks them for real. Tests can
 * bend any part of an answer (origin, RP id, challenge, flags, counter) to
 * play an attacker or a broken device.
 */

type Cbor = number | string | Uint8Array | readonly Cbor[] | Map<Cbor, Cbor> | { readonly [key: string]: Cbor };

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) {
    const out = Buffer.alloc(3);
    out[0] = (major << 5) | 25;
    out.writeUInt16BE(length, 1);
    return out;
  }
  const out = Buffer.alloc(5);
  out[0] = (major << 5) | 26;
  out.writeUInt32BE(length, 1);
  return out;
}

/** The few CBOR shapes (RFC 8949) WebAuthn needs: integers, byte and text strings, arrays, maps. */
export function encodeCbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(encodeCbor)]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)])]);
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();
const b64url = (data: Buffer) => data.toString('base64url');

/** A credential the authenticator holds. */
export interface SoftwareCredential {
  readonly id: Buffer;
  readonly rpId: string;
  readonly userHandle: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  counter: number;
}

/** What a test may bend in one ceremony. */
export interface CeremonyOverrides {
  readonly origin?: string;
  /** The RP id whose hash goes into the authenticator data. */
  readonly rpId?: string;
  readonly challenge?: string;
  readonly type?: string;
  readonly userPresent?: boolean;
  readonly userVerified?: boolean;
  /** The counter to report, instead of the next one. */
  readonly counter?: number;
  /** Which credential answers (by default the one the options allow, or the only one for the RP). */
  readonly credential?: SoftwareCredential;
}

export interface SoftwareAuthenticatorOptions {
  /** The origin the "browser" reports. */
  readonly origin: string;
  /** Whether the device verifies its user (PIN, biometrics): sets UV. */
  readonly userVerified?: boolean;
  /** A synced passkey: backup eligible and backed up (`multiDevice`); else a single-device key. */
  readonly synced?: boolean;
  /** How much the counter grows per use; 0 for an authenticator that keeps none. */
  readonly counterStep?: number;
}

interface CreationOptions {
  readonly challenge: string;
  readonly rp: { readonly id?: string };
  readonly user: { readonly id: string };
}

interface RequestOptions {
  readonly challenge: string;
  readonly rpId?: string;
  readonly allowCredentials?: readonly { readonly id: string }[];
}

/** A credential's answer as `PublicKeyCredential.toJSON()` writes it. */
function credentialJson<R>(credential: SoftwareCredential, response: R) {
  return {
    id: b64url(credential.id),
    rawId: b64url(credential.id),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    clientExtensionResults: {},
    response,
  };
}

function clientData(type: string, challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

function coseKey(publicKey: KeyObject): Map<Cbor, Cbor> {
  const jwk = publicKey.export({ format: 'jwk' });
  return new Map<Cbor, Cbor>([
    [1, 2], // kty: EC2
    [3, -7], // alg: ES256
    [-1, 1], // crv: P-256
    [-2, Buffer.from(jwk.x as string, 'base64url')],
    [-3, Buffer.from(jwk.y as string, 'base64url')],
  ]);
}

/**
 * Creates the authenticator; `clone()` copies it, keys and counters, as a
 * cloned security key would be.
 *
 * @example
 * const device = createSoftwareAuthenticator({ origin: 'https://auth.example.com' });
 * const credential = device.register(await options.json());
 */
export function createSoftwareAuthenticator(options: SoftwareAuthenticatorOptions) {
  const credentials: SoftwareCredential[] = [];
  const step = options.counterStep ?? 1;

  function flags(o: CeremonyOverrides, attested: boolean): number {
    let value = 0;
    if (o.userPresent ?? true) value |= FLAG_UP;
    if (o.userVerified ?? options.userVerified ?? true) value |= FLAG_UV;
    if (options.synced ?? true) value |= FLAG_BE | FLAG_BS;
    if (attested) value |= FLAG_AT;
    return value;
  }

  function counterBytes(counter: number): Buffer {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(counter, 0);
    return out;
  }

  return {
    credentials,

    /** Answers `navigator.credentials.create()` with a "none" attestation. */
    register(creation: CreationOptions, o: CeremonyOverrides = {}) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const rpId = creation.rp.id as string;
      const credential: SoftwareCredential = {
        id: randomBytes(32),
        rpId,
        userHandle: creation.user.id,
        privateKey,
        publicKey,
        counter: 0,
      };
      credentials.push(credential);
      const authData = Buffer.concat([
        sha256(o.rpId ?? rpId),
        Buffer.from([flags(o, true)]),
        counterBytes(o.counter ?? 0),
        Buffer.alloc(16), // AAGUID: none
        Buffer.from([credential.id.length >> 8, credential.id.length & 0xff]),
        credential.id,
        encodeCbor(coseKey(publicKey)),
      ]);
      const attestationObject = encodeCbor({ fmt: 'none', attStmt: {}, authData: new Uint8Array(authData) });
      const json = clientData(
        o.type ?? 'webauthn.create',
        o.challenge ?? creation.challenge,
        o.origin ?? options.origin,
      );
      return {
        credential,
        response: credentialJson(credential, {
          clientDataJSON: b64url(json),
          attestationObject: b64url(attestationObject),
          transports: ['internal', 'hybrid'],
        }),
      };
    },

    /** Answers `navigator.credentials.get()`, signing with ES256 over authenticator data and the client data's hash. */
    assert(request: RequestOptions, o: CeremonyOverrides = {}) {
      const allowed = request.allowCredentials?.map((c) => c.id) ?? [];
      const credential =
        o.credential ??
        credentials.find((c) => (allowed.length === 0 ? c.rpId === request.rpId : allowed.includes(b64url(c.id))));
      if (credential === undefined) throw new Error('the software authenticator holds no credential for this request');
      credential.counter += step;
      const authData = Buffer.concat([
        sha256(o.rpId ?? credential.rpId),
        Buffer.from([flags(o, false)]),
        counterBytes(o.counter ?? credential.counter),
      ]);
      const json = clientData(o.type ?? 'webauthn.get', o.challenge ?? request.challenge, o.origin ?? options.origin);
      const signature = sign('sha256', Buffer.concat([authData, sha256(json)]), credential.privateKey);
      return credentialJson(credential, {
        clientDataJSON: b64url(json),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: credential.userHandle,
      });
    },

    /** A second authenticator holding copies of these keys, with the same counters from now on apart. */
    clone() {
      const copy = createSoftwareAuthenticator(options);
      for (const c of credentials) copy.credentials.push({ ...c });
      return copy;
    },
  };
}

export type SoftwareAuthenticator = ReturnType<typeof createSoftwareAuthenticator>;
