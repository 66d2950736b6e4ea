import { describe, expect, it } from 'vitest';
import { JwtgateClientError } from '../src/client-error.js';
import { createClient } from '../src/create-client.js';
import {
  createPasskeyCredential,
  fromBase64url,
  getPasskeyCredential,
  toBase64url,
  type WebAuthnLike,
} from '../src/webauthn.js';

const bytes = (...values: number[]) => new Uint8Array(values).buffer;

/** What a browser's authenticator hands back, with the options it was given kept for a look. */
function fakeAuthenticator(answer: 'credential' | 'cancel' | 'nothing' = 'credential') {
  const seen: { create?: CredentialCreationOptions; get?: CredentialRequestOptions } = {};
  const credential = (response: Record<string, unknown>) =>
    ({
      id: toBase64url(bytes(1, 2, 250)),
      rawId: bytes(1, 2, 250),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      getClientExtensionResults: () => ({}),
      response,
    }) as unknown as Credential;
  /** `null` for an authenticator that gave nothing; `undefined` to go on and answer. */
  const settle = async (): Promise<null | undefined> => {
    if (answer === 'cancel')
      throw Object.assign(new Error('The operation either timed out or was not allowed.'), { name: 'NotAllowedError' });
    return answer === 'nothing' ? null : undefined;
  };
  const webauthn: WebAuthnLike = {
    async create(options) {
      seen.create = options;
      if ((await settle()) === null) return null;
      return credential({
        clientDataJSON: bytes(123, 125),
        attestationObject: bytes(0xa0),
        getTransports: () => ['internal'],
      });
    },
    async get(options) {
      seen.get = options;
      if ((await settle()) === null) return null;
      return credential({
        clientDataJSON: bytes(123, 125),
        authenticatorData: bytes(9, 9),
        signature: bytes(0x30, 0x06),
        userHandle: bytes(0x75),
      });
    },
  };
  return { webauthn, seen };
}

describe('the WebAuthn ceremonies', () => {
  it('turns base64url into bytes and back, without padding', () => {
    for (const length of [0, 1, 2, 3, 32, 33]) {
      const data = new Uint8Array(Array.from({ length }, (_, i) => (i * 97 + 251) % 256));
      const text = toBase64url(data);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(new Uint8Array(fromBase64url(text))).toEqual(data);
    }
  });

  it('hands the browser bytes for every byte string of the creation options, and the server JSON back', async () => {
    const { webauthn, seen } = fakeAuthenticator();
    const json = await createPasskeyCredential(webauthn, {
      challenge: toBase64url(bytes(7, 7, 7)),
      rp: { id: 'example.com', name: 'Example' },
      user: { id: toBase64url(bytes(0x75)), name: 'ada', displayName: 'ada' },
      pubKeyCredParams: [{ alg: -7, type: 'public-key' }],
      excludeCredentials: [{ id: toBase64url(bytes(4)), type: 'public-key', transports: ['usb'] }],
      authenticatorSelection: { residentKey: 'required' },
    });
    const publicKey = seen.create?.publicKey as PublicKeyCredentialCreationOptions;
    expect(new Uint8Array(publicKey.challenge as ArrayBuffer)).toEqual(new Uint8Array([7, 7, 7]));
    expect(new Uint8Array(publicKey.user.id as ArrayBuffer)).toEqual(new Uint8Array([0x75]));
    expect(new Uint8Array(publicKey.excludeCredentials?.[0]?.id as ArrayBuffer)).toEqual(new Uint8Array([4]));
    expect(publicKey.attestation).toBe('none');
    expect(json).toEqual({
      id: 'AQL6',
      rawId: 'AQL6',
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: { clientDataJSON: 'e30', attestationObject: 'oA', transports: ['internal'] },
    });
  });

  it('answers a request with the signature, the authenticator data and the user handle in base64url', async () => {
    const { webauthn, seen } = fakeAuthenticator();
    const json = await getPasskeyCredential(webauthn, {
      challenge: 'AQID',
      rpId: 'example.com',
      userVerification: 'required',
    });
    const publicKey = seen.get?.publicKey as PublicKeyCredentialRequestOptions;
    expect(publicKey.allowCredentials).toEqual([]);
    expect(publicKey.userVerification).toBe('required');
    expect(json.response).toEqual({
      clientDataJSON: 'e30',
      authenticatorData: 'CQk',
      signature: 'MAY',
      userHandle: 'dQ',
    });
  });

  it('says ERR_PASSKEY_CANCELLED when the user closes the dialog or nothing comes back', async () => {
    for (const answer of ['cancel', 'nothing'] as const) {
      const { webauthn } = fakeAuthenticator(answer);
      const failure = await getPasskeyCredential(webauthn, { challenge: 'AQID' }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(JwtgateClientError);
      expect((failure as JwtgateClientError).code).toBe('ERR_PASSKEY_CANCELLED');
    }
  });

  it('adds a passkey with the mfaToken of a login that requires one, and is signed in by the answer', async () => {
    const asked: { path: string; body: unknown }[] = [];
    const b64 = (value: unknown) => toBase64url(new TextEncoder().encode(JSON.stringify(value)).buffer as ArrayBuffer);
    const iat = Math.floor(Date.now() / 1000);
    const accessToken = `${b64({ alg: 'HS256' })}.${b64({ sub: 'admin-1', sid: 's1', iat, exp: iat + 60, amr: ['pwd', 'hwk', 'mfa'] })}.sig`;
    const client = createClient({
      baseUrl: 'https://auth.example.com',
      fetch: async (input, init) => {
        const path = new URL(String(input)).pathname;
        asked.push({ path, body: JSON.parse(String(init?.body ?? 'null')) });
        const answer = path.endsWith('/options')
          ? {
              challenge: toBase64url(bytes(7)),
              rp: { id: 'example.com', name: 'Example' },
              user: { id: toBase64url(bytes(0x75)), name: 'ada', displayName: 'ada' },
              pubKeyCredParams: [{ alg: -7, type: 'public-key' }],
            }
          : { accessToken, tokenType: 'Bearer', expiresIn: 60, refreshAfter: iat + 30 };
        return new Response(JSON.stringify(answer), { headers: { 'content-type': 'application/json' } });
      },
      webauthn: fakeAuthenticator().webauthn,
      locks: null,
      channel: null,
    });
    const view = await client.enrolPasskey({ mfaToken: 'jgm1_paused', name: 'Desk key' });
    expect(view.claims.amr).toEqual(['pwd', 'hwk', 'mfa']);
    expect(client.state.status).toBe('signed-in');
    expect(asked.map((call) => call.path)).toEqual([
      '/auth/mfa/enrollment/passkey/options',
      '/auth/mfa/enrollment/passkey/verify',
    ]);
    expect(asked[0]?.body).toEqual({ mfaToken: 'jgm1_paused' });
    expect(asked[1]?.body).toMatchObject({ mfaToken: 'jgm1_paused', name: 'Desk key', credential: { id: 'AQL6' } });
    client.close();
  });

  it('adds a passkey for the signed-in user, confirming with the password before the ceremony starts', async () => {
    const asked: { path: string; body: unknown }[] = [];
    const b64 = (value: unknown) => toBase64url(new TextEncoder().encode(JSON.stringify(value)).buffer as ArrayBuffer);
    const iat = Math.floor(Date.now() / 1000);
    const accessToken = `${b64({ alg: 'HS256' })}.${b64({ sub: 'ada-1', sid: 's1', iat, exp: iat + 60, amr: ['pwd'] })}.sig`;
    const client = createClient({
      baseUrl: 'https://auth.example.com',
      fetch: async (input, init) => {
        // Authorised calls come as a Request (the token attached), the others as a URL and init.
        const request = input instanceof Request ? input : null;
        const path = new URL(request?.url ?? String(input)).pathname;
        const body = request === null ? String(init?.body ?? '') : await request.text();
        asked.push({ path, body: body === '' ? null : JSON.parse(body) });
        const answer = path.endsWith('/login')
          ? { accessToken, tokenType: 'Bearer', expiresIn: 60, refreshAfter: iat + 30 }
          : path.endsWith('/options')
            ? {
                challenge: toBase64url(bytes(7)),
                rp: { id: 'example.com', name: 'Example' },
                user: { id: toBase64url(bytes(0x75)), name: 'ada', displayName: 'ada' },
                pubKeyCredParams: [{ alg: -7, type: 'public-key' }],
              }
            : { id: 'AQL6', name: 'Laptop' };
        return new Response(JSON.stringify(answer), { headers: { 'content-type': 'application/json' } });
      },
      webauthn: fakeAuthenticator().webauthn,
      locks: null,
      channel: null,
    });
    await client.login({ username: 'ada', password: 'correct horse' });
    await client.addPasskey({ password: 'correct horse', name: 'Laptop' });
    // An account without a password sends none: the options request has no body.
    await client.addPasskey();
    expect(asked.map((call) => call.path)).toEqual([
      '/auth/login',
      '/auth/passkeys/register/options',
      '/auth/passkeys/register/verify',
      '/auth/passkeys/register/options',
      '/auth/passkeys/register/verify',
    ]);
    expect(asked[1]?.body).toEqual({ password: 'correct horse' });
    expect(asked[2]?.body).toMatchObject({ name: 'Laptop', credential: { id: 'AQL6' } });
    expect(asked[2]?.body).not.toHaveProperty('password');
    expect(asked[3]?.body).toBeNull();
    client.close();
  });

  it('says ERR_WEBAUTHN_UNAVAILABLE, asking the server nothing, where there is no WebAuthn', async () => {
    let asked = 0;
    const client = createClient({
      baseUrl: 'https://auth.example.com',
      fetch: async () => {
        asked += 1;
        return new Response(JSON.stringify({ challenge: 'AQID' }), { headers: { 'content-type': 'application/json' } });
      },
      webauthn: null,
      locks: null,
      channel: null,
    });
    const failure = await client.signInWithPasskey().catch((error: unknown) => error);
    expect((failure as JwtgateClientError).code).toBe('ERR_WEBAUTHN_UNAVAILABLE');
    expect(asked).toBe(0);
    client.close();
  });
});
