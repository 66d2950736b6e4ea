import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeFor, enrolTotp, passwordStep, verify } from '../support/mfa-steps.js';
import { expectSessionEnded } from '../support/session-checks.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('second factors are credentials', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  const refresh = (refreshToken: string) => t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });

  it('turning an app on ends the user’s other sessions and keeps the one that did it', async () => {
    const user = await t.signUp({ device: 'laptop' });
    const phone = await t.login(user.username, user.password, 'phone');
    await enrolTotp(t, user);
    await expectSessionEnded(t, phone);
    expect((await t.request({ method: 'GET', url: '/auth/me', token: user.accessToken })).statusCode).toBe(200);
    expect((await refresh(user.refreshToken)).statusCode).toBe(200);
  });

  it('turning it off ends the other sessions too', async () => {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    const withApp = (
      await verify(t, await passwordStep(t, user.username, user.password), codeFor(secret, t.clock.now()))
    ).json();
    t.clock.advance(30_000);
    const other = (
      await verify(t, await passwordStep(t, user.username, user.password), codeFor(secret, t.clock.now()))
    ).json();
    const res = await t.request({
      method: 'DELETE',
      url: '/auth/mfa/totp',
      token: withApp.accessToken,
      body: { password: user.password },
    });
    expect(res.statusCode).toBe(204);
    await expectSessionEnded(t, other);
    expect((await refresh(withApp.refreshToken)).statusCode).toBe(200);
  });

  it('voids a paused login when the password changes before its second step', async () => {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    const withApp = (
      await verify(t, await passwordStep(t, user.username, user.password), codeFor(secret, t.clock.now()))
    ).json();
    t.clock.advance(30_000);
    // Someone who knew the old password got as far as the second step...
    const paused = await passwordStep(t, user.username, user.password);
    const changed = await t.request({
      method: 'POST',
      url: '/auth/password',
      token: withApp.accessToken,
      body: { currentPassword: user.password, newPassword: 'a brand new passphrase' },
    });
    expect(changed.statusCode).toBe(200);
    // ...and a code does not finish it now.
    const res = await verify(t, paused, codeFor(secret, t.clock.now()));
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_MFA_TOKEN_INVALID');
  });

  it('voids a paused login when an administrator disables the account, even once it is enabled again', async () => {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    const admin = await t.signUp();
    await t.server.database.db
      .updateTable('jwtgate_users')
      .set({ role: 'admin' })
      .where('id', '=', admin.userId)
      .execute();
    const adminToken = (await t.login(admin.username, admin.password)).accessToken;
    const paused = await passwordStep(t, user.username, user.password);
    for (const action of ['disable', 'enable']) {
      const res = await t.request({ method: 'POST', url: `/admin/users/${user.userId}/${action}`, token: adminToken });
      expect(res.statusCode, res.body).toBe(200);
    }
    // The account is usable again, but what was stopped midway stays stopped.
    const res = await verify(t, paused, codeFor(secret, t.clock.now()));
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_MFA_TOKEN_INVALID');
    const again = await passwordStep(t, user.username, user.password);
    expect((await verify(t, again, codeFor(secret, t.clock.now()))).statusCode).toBe(200);
  });
});
