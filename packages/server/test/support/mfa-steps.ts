import { decodeBase32, totpCode, totpStep } from '@jwtgate/core';
import { expect } from 'vitest';
import type { TestServer } from './test-server.js';

/** The code an authenticator app with `secret` (base32) shows at `nowMs`, `offsetSteps` steps away. */
export function codeFor(secret: string, nowMs: number, offsetSteps = 0): string {
  return totpCode(decodeBase32(secret) as Uint8Array, totpStep(nowMs) + offsetSteps);
}

/** Sets up an authenticator app for a signed-in user; returns its secret and recovery codes. */
export async function enrolTotp(
  t: TestServer,
  user: { readonly accessToken: string; readonly password: string },
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const enrol = await t.request({
    method: 'POST',
    url: '/auth/mfa/totp/enroll',
    token: user.accessToken,
    body: { password: user.password },
  });
  expect(enrol.statusCode, enrol.body).toBe(200);
  const { secret } = enrol.json();
  const confirm = await t.request({
    method: 'POST',
    url: '/auth/mfa/totp/confirm',
    token: user.accessToken,
    body: { code: codeFor(secret, t.clock.now()) },
  });
  expect(confirm.statusCode, confirm.body).toBe(200);
  // The next code is a step later: the confirmation spent this one.
  t.clock.advance(30_000);
  return { secret, recoveryCodes: confirm.json().recoveryCodes };
}

/** The first step of a login that a second factor pauses: its mfaToken. */
export async function passwordStep(
  t: TestServer,
  username: string,
  password: string,
  device?: string,
): Promise<string> {
  const res = await t.request({
    method: 'POST',
    url: '/auth/login',
    body: { username, password, ...(device === undefined ? {} : { device }) },
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().mfaRequired).toBe(true);
  return res.json().mfaToken;
}

/** Finishes a paused login with a method and a code (a browser's login: with its same-origin `headers`). */
export function verify(
  t: TestServer,
  mfaToken: string,
  code: string,
  method: 'totp' | 'recovery' = 'totp',
  headers: Record<string, string> = {},
) {
  return t.request({ method: 'POST', url: '/auth/mfa/verify', headers, body: { mfaToken, method, code } });
}

/** The claims of an access token, unverified: for reading what a test just got. */
export function claimsOf(accessToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(accessToken.split('.')[1] as string, 'base64url').toString());
}
