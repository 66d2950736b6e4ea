import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, startTestServer, type TestServer } from '../support/test-server.js';

describe('user metadata', () => {
  let t: TestServer;
  let admin: { accessToken: string };
  beforeAll(async () => {
    t = await startTestServer({
      env: {
        JWTGATE_AUTH_CLAIMS: 'plan=appMetadata.plan,theme=userMetadata.theme,prefs=userMetadata',
        JWTGATE_ACCOUNTS_USER_METADATA_MAX_BYTES: '64',
      },
    });
    const account = await t.signUp();
    await t.server.users.update(account.userId, { role: 'admin', updatedAt: t.clock.now() });
    admin = await t.login(account.username, account.password);
  });
  afterAll(() => t.close());

  const patchMe = (token: string, body: unknown) => t.request({ method: 'PATCH', url: '/auth/me', token, body });

  it('lets a user keep their own metadata, within the size limit, and nothing else', async () => {
    const user = await t.signUp();
    const ok = await patchMe(user.accessToken, { userMetadata: { theme: 'dark' } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ userMetadata: { theme: 'dark' }, appMetadata: {} });
    const big = await patchMe(user.accessToken, { userMetadata: { note: 'x'.repeat(80) } });
    expect(big.statusCode).toBe(400);
    expect(big.json().error.code).toBe('ERR_METADATA_TOO_LARGE');
    let deep: unknown = 1;
    for (let i = 0; i < 10; i++) deep = [deep];
    const nested = await patchMe(user.accessToken, { userMetadata: { deep } });
    expect(nested.json().error.code).toBe('ERR_INVALID_METADATA');
    const array = await patchMe(user.accessToken, { userMetadata: ['not', 'an', 'object'] });
    expect(array.json().error.code).toBe('ERR_VALIDATION');
    // A user can never write what administrators keep.
    const sneaky = await patchMe(user.accessToken, { appMetadata: { plan: 'enterprise' } });
    expect(sneaky.json().error.code).toBe('ERR_VALIDATION');
    const me = await t.request({ method: 'GET', url: '/auth/me', token: user.accessToken });
    expect(me.json().user).toMatchObject({ userMetadata: { theme: 'dark' }, appMetadata: {} });
  });

  it('lets only an administrator set appMetadata, and tokens carry both from the next refresh', async () => {
    const user = await t.signUp();
    const refused = await t.request({
      method: 'PATCH',
      url: `/admin/users/${user.userId}`,
      token: user.accessToken,
      body: { appMetadata: { plan: 'pro' } },
    });
    expect(refused.statusCode).toBe(403);
    const set = await t.request({
      method: 'PATCH',
      url: `/admin/users/${user.userId}`,
      token: admin.accessToken,
      body: { appMetadata: { plan: 'pro' } },
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ user: { appMetadata: { plan: 'pro' } }, revokedSessions: 0 });
    await patchMe(user.accessToken, { userMetadata: { theme: 'dark' } });
    expect(decodeJwt(user.accessToken).payload.plan).toBeUndefined();
    const refreshed = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: user.refreshToken },
    });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const claims = decodeJwt(refreshed.json().accessToken).payload;
    expect(claims).toMatchObject({ plan: 'pro', theme: 'dark', prefs: { theme: 'dark' } });
  });

  it('leaves claims out for a user without metadata', async () => {
    const user = await t.signUp();
    const claims = decodeJwt(user.accessToken).payload;
    expect(Object.keys(claims)).not.toEqual(expect.arrayContaining(['plan']));
    expect(claims.theme).toBeUndefined();
    expect(claims.prefs).toBeUndefined();
  });
});
