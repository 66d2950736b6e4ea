import { expect } from 'vitest';
import type { CeremonyOverrides, SoftwareAuthenticator } from './software-authenticator.js';
import { SIGN_UP_PASSWORD, type TestServer } from './test-server.js';

/** Where the passkey tests say the page is: `Web.PublicUrl`, hence the RP id `auth.example.com`. */
export const PASSKEY_ORIGIN = 'https://auth.example.com';

/**
 * Asks for registration options, confirming with `password` (the sign-up's
 * unless told; `null` sends none, as an account without a password does),
 * and answers them with `device`; returns the server's answer.
 */
export async function registerWith(
  t: TestServer,
  accessToken: string,
  device: SoftwareAuthenticator,
  overrides: CeremonyOverrides = {},
  name?: string,
  password: string | null = SIGN_UP_PASSWORD,
) {
  const options = await t.request({
    method: 'POST',
    url: '/auth/passkeys/register/options',
    token: accessToken,
    ...(password === null ? {} : { body: { password } }),
  });
  expect(options.statusCode, options.body).toBe(200);
  const { response } = device.register(options.json(), overrides);
  return t.request({
    method: 'POST',
    url: '/auth/passkeys/register/verify',
    token: accessToken,
    body: { credential: response, ...(name === undefined ? {} : { name }) },
  });
}

/** Registers a passkey, confirming with `password` as {@link registerWith} does, expecting it to be kept; returns its id. */
export async function addPasskey(
  t: TestServer,
  accessToken: string,
  device: SoftwareAuthenticator,
  password: string | null = SIGN_UP_PASSWORD,
): Promise<string> {
  const res = await registerWith(t, accessToken, device, {}, undefined, password);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().id;
}

/** A passwordless sign-in's challenge, answered by `device`: the body to post to `/auth/passkeys/login/verify`. */
export async function signInAnswer(t: TestServer, device: SoftwareAuthenticator, overrides: CeremonyOverrides = {}) {
  const options = await t.request({ method: 'POST', url: '/auth/passkeys/login/options' });
  expect(options.statusCode, options.body).toBe(200);
  return { credential: device.assert(options.json(), overrides) };
}

/** Signs in without a password with `device`; returns the server's answer. */
export async function signInWith(t: TestServer, device: SoftwareAuthenticator, overrides: CeremonyOverrides = {}) {
  const body = await signInAnswer(t, device, overrides);
  return t.request({ method: 'POST', url: '/auth/passkeys/login/verify', body });
}

/** Finishes a paused login with `device`; returns the server's answer. */
export async function secondStepWith(
  t: TestServer,
  mfaToken: string,
  device: SoftwareAuthenticator,
  overrides: CeremonyOverrides = {},
) {
  const options = await t.request({ method: 'POST', url: '/auth/mfa/webauthn/options', body: { mfaToken } });
  expect(options.statusCode, options.body).toBe(200);
  return t.request({
    method: 'POST',
    url: '/auth/mfa/verify',
    body: { mfaToken, method: 'webauthn', credential: device.assert(options.json(), overrides) },
  });
}
