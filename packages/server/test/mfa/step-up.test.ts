import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimsOf, codeFor, enrolTotp, passwordStep, verify } from '../support/mfa-steps.js';
import { expectSessionEnded } from '../support/session-checks.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('routes that need the second factor (step-up)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  /** A user with an app, and tokens from a sign-in with it. */
  async function signedInWithApp() {
    const user = await t.signUp();
    const { secret, recoveryCodes } = await enrolTotp(t, user);
    const res = await verify(t, await passwordStep(t, user.username, user.password), codeFor(secret, t.clock.now()));
    expect(res.statusCode).toBe(200);
    t.clock.advance(30_000);
    return { user, secret, recoveryCodes, withApp: res.json() as { accessToken: string; refreshToken: string } };
  }

  function expectStepUp(res: {
    statusCode: number;
    headers: Record<string, unknown>;
    json(): { error: { code: string } };
  }) {
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_INSUFFICIENT_AUTHENTICATION');
    expect(String(res.headers['www-authenticate'])).toBe(
      'Bearer realm="jwtgate", error="insufficient_user_authentication", error_description="This needs a stronger or more recent sign-in", acr_values="urn:jwtgate:acr:mfa"',
    );
  }

  it('refuses to turn the app off with a token from a password-only sign-in, then allows it after a step-up', async () => {
    const { user, withApp } = await signedInWithApp();
    // The session that set the app up signed in with the password only.
    const off = (token: string, body: unknown) => t.request({ method: 'DELETE', url: '/auth/mfa/totp', token, body });
    expectStepUp(await off(user.accessToken, { password: user.password }));
    const wrong = await off(withApp.accessToken, { password: 'not the password' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('ERR_REAUTHENTICATION_FAILED');
    expect((await off(withApp.accessToken, { password: user.password })).statusCode).toBe(204);

    // Off: the password alone signs in again, and nothing of the factor is left.
    expect((await t.login(user.username, user.password)).accessToken).toBeDefined();
    const status = await t.request({ method: 'GET', url: '/auth/mfa', token: withApp.accessToken });
    expect(status.json()).toEqual({ totp: false, recoveryCodesLeft: 0, passkeys: 0, methods: [] });
    expect((await off(withApp.accessToken, { password: user.password })).json().error.code).toBe('ERR_MFA_NOT_ENABLED');
  });

  it('turns the app off only with the password when it is the last second factor, a code is not enough', async () => {
    const { user, secret, withApp } = await signedInWithApp();
    const code = codeFor(secret, t.clock.now());
    const off = (body: unknown) =>
      t.request({ method: 'DELETE', url: '/auth/mfa/totp', token: withApp.accessToken, body });
    const refused = await off({ code });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toEqual({
      code: 'ERR_REAUTHENTICATION_FAILED',
      message: 'Removing the last second factor needs the password',
    });
    // Refused before the code was checked: it still signs in.
    expect((await verify(t, await passwordStep(t, user.username, user.password), code)).statusCode).toBe(200);
    expect((await off({ password: user.password })).statusCode).toBe(204);
  });

  it('asks for the second factor before a password change, once a user has one', async () => {
    const { user, withApp } = await signedInWithApp();
    const change = (token: string) =>
      t.request({
        method: 'POST',
        url: '/auth/password',
        token,
        body: { currentPassword: user.password, newPassword: 'an entirely new passphrase' },
      });
    expectStepUp(await change(user.accessToken));
    expect((await change(withApp.accessToken)).statusCode).toBe(200);
  });

  it('asks for the second factor before an address change, once a user has one', async () => {
    // The address receives resets and emailed sign-ins: changing it is as sensitive as the password.
    const { user, withApp } = await signedInWithApp();
    const change = (token: string) =>
      t.request({
        method: 'POST',
        url: '/auth/email/change',
        token,
        body: { newEmail: `${user.username}@new.example.com`, password: user.password },
      });
    expectStepUp(await change(user.accessToken));
    expect((await change(withApp.accessToken)).statusCode).toBe(202);
  });

  it('leaves password changes of users without a second factor as they were', async () => {
    const user = await t.signUp();
    const res = await t.request({
      method: 'POST',
      url: '/auth/password',
      token: user.accessToken,
      body: { currentPassword: user.password, newPassword: 'an entirely new passphrase' },
    });
    expect(res.statusCode).toBe(200);
  });

  it('renews the recovery codes only after a step-up and the password, and the old ones stop working', async () => {
    const { user, recoveryCodes, withApp } = await signedInWithApp();
    const renew = (token: string, password: string) =>
      t.request({ method: 'POST', url: '/auth/mfa/recovery-codes', token, body: { password } });
    expectStepUp(await renew(user.accessToken, user.password));
    expect((await renew(withApp.accessToken, 'wrong password')).statusCode).toBe(403);
    const res = await renew(withApp.accessToken, user.password);
    expect(res.statusCode).toBe(200);
    const fresh: string[] = res.json().recoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(fresh.some((code) => recoveryCodes.includes(code))).toBe(false);
    const old = await verify(
      t,
      await passwordStep(t, user.username, user.password),
      recoveryCodes[0] as string,
      'recovery',
    );
    expect(old.statusCode).toBe(401);
    const renewed = await verify(
      t,
      await passwordStep(t, user.username, user.password),
      fresh[0] as string,
      'recovery',
    );
    expect(renewed.statusCode).toBe(200);
  });
});

describe('a role that requires a second factor (Mfa.RequiredForRoles)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { JWTGATE_MFA_REQUIRED_FOR_ROLES: 'admin' } });
  });
  afterAll(() => t.close());

  async function admin() {
    const user = await t.signUp();
    await t.server.users.update(user.userId, { role: 'admin', updatedAt: t.clock.now() });
    return user;
  }

  it('answers a login without a factor with a set-up state, and the mfaToken gets no tokens on its own', async () => {
    const user = await admin();
    const login = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: user.username, password: user.password },
    });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toEqual({
      mfaRequired: true,
      mfaToken: expect.any(String),
      methods: [],
      enrollmentRequired: true,
    });
    const { mfaToken } = login.json();
    const tried = await verify(t, mfaToken, '123456');
    expect(tried.json().error.code).toBe('ERR_MFA_TOKEN_INVALID');
    const me = await t.request({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${mfaToken}` } });
    expect(me.statusCode).toBe(401);
  });

  it('sets the app up with the mfaToken and finishes the login signed in with both factors', async () => {
    const user = await admin();
    const login = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: user.username, password: user.password, device: 'admin desk' },
    });
    const { mfaToken } = login.json();
    const enrol = await t.request({ method: 'POST', url: '/auth/mfa/enrollment/totp', body: { mfaToken } });
    expect(enrol.statusCode, enrol.body).toBe(200);
    const { secret, qrSvg } = enrol.json();
    expect(qrSvg).toMatch(/^<svg/);
    const wrong = await t.request({
      method: 'POST',
      url: '/auth/mfa/enrollment/totp/confirm',
      body: { mfaToken, code: codeFor(secret, t.clock.now(), 3) },
    });
    expect(wrong.json().error.code).toBe('ERR_MFA_CODE_INVALID');
    const done = await t.request({
      method: 'POST',
      url: '/auth/mfa/enrollment/totp/confirm',
      body: { mfaToken, code: codeFor(secret, t.clock.now()) },
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().recoveryCodes).toHaveLength(10);
    expect(claimsOf(done.json().accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
    const again = await t.request({ method: 'POST', url: '/auth/mfa/enrollment/totp', body: { mfaToken } });
    expect(again.json().error.code).toBe('ERR_MFA_TOKEN_INVALID');
    // From now on this admin signs in like anyone with an app.
    t.clock.advance(30_000);
    const next = await passwordStep(t, user.username, user.password);
    expect((await verify(t, next, codeFor(secret, t.clock.now()))).statusCode).toBe(200);
  });

  it('asks an account made administrator after a password-only sign-in to sign in again with a factor', async () => {
    const user = await t.signUp();
    await t.server.users.update(user.userId, { role: 'admin', updatedAt: t.clock.now() });
    // A refresh brings the new role into the token, but not a second factor.
    const refreshed = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: user.refreshToken },
    });
    expect(claimsOf(refreshed.json().accessToken)).toMatchObject({ role: 'admin', amr: ['pwd'] });
    const res = await t.request({ method: 'GET', url: '/admin/users', token: refreshed.json().accessToken });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_INSUFFICIENT_AUTHENTICATION');
    expect(res.headers['www-authenticate']).toContain('acr_values="urn:jwtgate:acr:mfa"');
  });

  it('asks nothing more of other roles', async () => {
    const user = await t.signUp();
    expect((await t.login(user.username, user.password)).accessToken).toBeDefined();
  });

  it('lets an administrator reset a user’s factors: audited, and every session of the user ends', async () => {
    const boss = await admin();
    const bossLogin = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: boss.username, password: boss.password },
    });
    const enrol = await t.request({
      method: 'POST',
      url: '/auth/mfa/enrollment/totp',
      body: { mfaToken: bossLogin.json().mfaToken },
    });
    const confirmed = await t.request({
      method: 'POST',
      url: '/auth/mfa/enrollment/totp/confirm',
      body: { mfaToken: bossLogin.json().mfaToken, code: codeFor(enrol.json().secret, t.clock.now()) },
    });
    const bossToken = confirmed.json().accessToken;

    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    const session = (
      await verify(t, await passwordStep(t, user.username, user.password), codeFor(secret, t.clock.now()))
    ).json();

    const res = await t.request({ method: 'DELETE', url: `/admin/users/${user.userId}/mfa`, token: bossToken });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ removed: true, revokedSessions: 2 });
    await expectSessionEnded(t, session);
    expect((await t.login(user.username, user.password)).accessToken).toBeDefined();

    const notAdmin = await t.request({
      method: 'DELETE',
      url: `/admin/users/${boss.userId}/mfa`,
      token: session.accessToken,
    });
    expect(notAdmin.statusCode).toBe(401);

    await t.server.flushAudit();
    const rows = await t.server.database.db
      .selectFrom('jwtgate_audit')
      .selectAll()
      .where('event', '=', 'admin.mfa-reset')
      .where('user_id', '=', user.userId)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.actor_id).toBe(boss.userId);
  });
});
