import { NO_PASSWORD_HASH } from '@jwtgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPasskey, PASSKEY_ORIGIN, registerWith, signInWith } from '../support/passkey-steps.js';
import { createSoftwareAuthenticator } from '../support/software-authenticator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const phone = () => createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN });
const OPTIONS = '/auth/passkeys/register/options';

describe('adding a passkey asks for the password again', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { JWTGATE_WEB_PUBLIC_URL: PASSKEY_ORIGIN, JWTGATE_LOGIN_MAX_FAILURES: '3' } });
  });
  afterAll(() => t.close());

  /** What a refused start left behind: challenges handed out and passkeys kept. */
  async function leftBehind(userId: string) {
    const challenges = await t.server.database.db
      .selectFrom('jwtgate_passkey_challenges')
      .select('id')
      .where('user_id', '=', userId)
      .execute();
    const passkeys = await t.server.database.db
      .selectFrom('jwtgate_passkeys')
      .select('id')
      .where('user_id', '=', userId)
      .execute();
    return { challenges: challenges.length, passkeys: passkeys.length };
  }

  it('refuses a fresh sign-in without the password, or with a wrong one, as setting up the app does, and keeps nothing', async () => {
    const user = await t.signUp();
    const bare = await t.request({ method: 'POST', url: OPTIONS, token: user.accessToken });
    expect(bare.statusCode, bare.body).toBe(403);
    expect(bare.json().error.code).toBe('ERR_REAUTHENTICATION_FAILED');
    const wrong = await t.request({
      method: 'POST',
      url: OPTIONS,
      token: user.accessToken,
      body: { password: 'not the password' },
    });
    const appWrong = await t.request({
      method: 'POST',
      url: '/auth/mfa/totp/enroll',
      token: user.accessToken,
      body: { password: 'not the password' },
    });
    expect(wrong.statusCode).toBe(appWrong.statusCode);
    expect(wrong.json().error).toEqual(appWrong.json().error);
    expect(await leftBehind(user.userId)).toEqual({ challenges: 0, passkeys: 0 });

    // The helper confirms with the sign-up's password.
    const added = await registerWith(t, user.accessToken, phone());
    expect(added.statusCode, added.body).toBe(200);
    expect(await leftBehind(user.userId)).toEqual({ challenges: 0, passkeys: 1 });
  });

  it('counts a wrong password as a failed login', async () => {
    const user = await t.signUp();
    for (let i = 0; i < 3; i++) {
      const wrong = await t.request({
        method: 'POST',
        url: OPTIONS,
        token: user.accessToken,
        body: { password: `wrong ${i}` },
      });
      expect(wrong.json().error.code).toBe('ERR_REAUTHENTICATION_FAILED');
    }
    const login = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: user.username, password: user.password },
    });
    expect(login.statusCode).toBe(429);
    const limited = await t.request({
      method: 'POST',
      url: OPTIONS,
      token: user.accessToken,
      body: { password: user.password },
    });
    expect(limited.json().error.code).toBe('ERR_RATE_LIMITED');
    expect(await leftBehind(user.userId)).toEqual({ challenges: 0, passkeys: 0 });
  });

  it('keeps the recent sign-in rule for an account without a password', async () => {
    const user = await t.signUp();
    // What a sign-up through a provider leaves: no password to show.
    await t.server.database.db
      .updateTable('jwtgate_users')
      .set({ password_hash: NO_PASSWORD_HASH })
      .where('id', '=', user.userId)
      .execute();
    const device = phone();
    await addPasskey(t, user.accessToken, device, null);
    // Signed in with that passkey alone, the account adds another, still without a password.
    const signedIn = await signInWith(t, device);
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    await addPasskey(t, signedIn.json().accessToken, phone(), null);
    expect(await leftBehind(user.userId)).toMatchObject({ passkeys: 2 });

    // Past ten minutes the sign-in is too old, as before.
    t.clock.advance(601_000);
    const refreshed = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: signedIn.json().refreshToken },
    });
    const stale = await t.request({ method: 'POST', url: OPTIONS, token: refreshed.json().accessToken });
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error.code).toBe('ERR_INSUFFICIENT_AUTHENTICATION');
  });
});
