import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimsOf, codeFor, enrolTotp, passwordStep, verify } from '../support/mfa-steps.js';
import { PASSKEY_ORIGIN, secondStepWith } from '../support/passkey-steps.js';
import { type CeremonyOverrides, createSoftwareAuthenticator } from '../support/software-authenticator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const phone = () => createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN });
const securityKey = () => createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN, synced: false });

const OPTIONS = '/auth/mfa/enrollment/passkey/options';
const VERIFY = '/auth/mfa/enrollment/passkey/verify';

describe('adding a passkey during a login that requires a second factor', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: {
        JWTGATE_WEB_PUBLIC_URL: PASSKEY_ORIGIN,
        JWTGATE_MFA_REQUIRED_FOR_ROLES: 'admin',
        JWTGATE_AUDIT_DATABASE: 'true',
      },
    });
  });
  afterAll(() => t.close());

  /** An administrator with no second factor yet, and the mfaToken of their paused login. */
  async function pausedAdmin(device?: string) {
    const user = await t.signUp();
    await t.server.users.update(user.userId, { role: 'admin', updatedAt: t.clock.now() });
    const login = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: user.username, password: user.password, ...(device === undefined ? {} : { device }) },
    });
    expect(login.json()).toMatchObject({ mfaRequired: true, methods: [], enrollmentRequired: true });
    return { user, mfaToken: login.json().mfaToken as string };
  }

  /** Asks for the options with `mfaToken` and answers them with `device`: the server's answer. */
  async function enrolWith(
    mfaToken: string,
    device: ReturnType<typeof phone>,
    overrides: CeremonyOverrides = {},
    headers: Record<string, string> = {},
  ) {
    const options = await t.request({ method: 'POST', url: OPTIONS, body: { mfaToken }, headers });
    expect(options.statusCode, options.body).toBe(200);
    const { response } = device.register(options.json(), overrides);
    return t.request({
      method: 'POST',
      url: VERIFY,
      body: { mfaToken, credential: response, name: 'Desk key' },
      headers,
    });
  }

  const tokenRefused = (res: { statusCode: number; json(): { error: { code: string } } }) => {
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_MFA_TOKEN_INVALID');
  };

  it('adds the passkey and finishes the login signed in with both factors', async () => {
    const { user, mfaToken } = await pausedAdmin('admin desk');
    const options = await t.request({ method: 'POST', url: OPTIONS, body: { mfaToken } });
    expect(options.statusCode, options.body).toBe(200);
    expect(options.json()).toMatchObject({
      rp: { id: 'auth.example.com' },
      attestation: 'none',
      authenticatorSelection: { residentKey: 'required' },
    });
    expect(Buffer.from(options.json().user.id, 'base64url').toString()).toBe(user.userId);
    const device = phone();
    const { response } = device.register(options.json());
    const done = await t.request({ method: 'POST', url: VERIFY, body: { mfaToken, credential: response } });
    expect(done.statusCode, done.body).toBe(200);
    const { accessToken, refreshToken } = done.json();
    expect(claimsOf(accessToken)).toMatchObject({
      sub: user.userId,
      role: 'admin',
      amr: ['pwd', 'swk', 'user', 'mfa'],
    });
    // A full session: the administration API (which needs the second factor) and a refresh work.
    expect((await t.request({ method: 'GET', url: '/admin/users', token: accessToken })).statusCode).toBe(200);
    expect((await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } })).statusCode).toBe(200);
    const sessions = await t.request({ method: 'GET', url: '/auth/sessions', token: accessToken });
    expect(JSON.stringify(sessions.json())).toContain('admin desk');
    const status = await t.request({ method: 'GET', url: '/auth/mfa', token: accessToken });
    expect(status.json()).toEqual({ totp: false, recoveryCodesLeft: 0, passkeys: 1, methods: ['webauthn'] });

    await t.server.flushAudit();
    const enrolled = await t.server.database.db
      .selectFrom('jwtgate_audit')
      .selectAll()
      .where('user_id', '=', user.userId)
      .where('event', '=', 'mfa.enrolled')
      .execute();
    expect(enrolled).toHaveLength(1);

    // From now on this administrator signs in with the passkey as the second step.
    const next = await passwordStep(t, user.username, user.password);
    const second = await secondStepWith(t, next, device);
    expect(second.statusCode, second.body).toBe(200);
    expect(claimsOf(second.json().accessToken).amr).toEqual(['pwd', 'swk', 'user', 'mfa']);
  });

  it('says hwk for a key bound to one device, and no user verification when the key did none', async () => {
    const { mfaToken } = await pausedAdmin();
    const done = await enrolWith(mfaToken, securityKey(), { userVerified: false });
    expect(done.statusCode, done.body).toBe(200);
    expect(claimsOf(done.json().accessToken).amr).toEqual(['pwd', 'hwk', 'mfa']);
  });

  it('ends any older session of the user: a new factor is a credential change', async () => {
    const { user, mfaToken } = await pausedAdmin();
    // The sign-up's own session, from before the role needed a factor.
    expect((await enrolWith(mfaToken, phone())).statusCode).toBe(200);
    const old = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken: user.refreshToken } });
    expect(old.statusCode).toBe(401);
  });

  it('refuses the enrolment mfaToken as an access token, a refresh token or the mfaToken of a second step', async () => {
    const { mfaToken } = await pausedAdmin();
    const me = await t.request({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${mfaToken}` } });
    expect(me.statusCode).toBe(401);
    const refresh = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken: mfaToken } });
    expect(refresh.statusCode).toBe(401);
    tokenRefused(await t.request({ method: 'POST', url: '/auth/mfa/webauthn/options', body: { mfaToken } }));
    tokenRefused(await verify(t, mfaToken, '123456'));
    const register = await t.request({
      method: 'POST',
      url: '/auth/passkeys/register/options',
      headers: { authorization: `Bearer ${mfaToken}` },
    });
    expect(register.statusCode).toBe(401);
    // None of that spent it: it still adds a passkey.
    expect((await enrolWith(mfaToken, phone())).statusCode).toBe(200);
  });

  it('refuses the mfaToken of an ordinary second step: it sets nothing up', async () => {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    const mfaToken = await passwordStep(t, user.username, user.password);
    tokenRefused(await t.request({ method: 'POST', url: OPTIONS, body: { mfaToken } }));
    expect((await verify(t, mfaToken, codeFor(secret, t.clock.now()))).statusCode).toBe(200);
  });

  it('finishes one login only: the mfaToken is spent once the passkey is added', async () => {
    const { mfaToken } = await pausedAdmin();
    const options = (await t.request({ method: 'POST', url: OPTIONS, body: { mfaToken } })).json();
    const spare = (await t.request({ method: 'POST', url: OPTIONS, body: { mfaToken } })).json();
    const device = phone();
    const first = await t.request({
      method: 'POST',
      url: VERIFY,
      body: { mfaToken, credential: device.register(options).response },
    });
    expect(first.statusCode).toBe(200);
    tokenRefused(await t.request({ method: 'POST', url: OPTIONS, body: { mfaToken } }));
    tokenRefused(
      await t.request({
        method: 'POST',
        url: VERIFY,
        body: { mfaToken, credential: phone().register(spare).response },
      }),
    );
  });

  it('refuses an mfaToken older than 5 minutes', async () => {
    const { mfaToken } = await pausedAdmin();
    const options = (await t.request({ method: 'POST', url: OPTIONS, body: { mfaToken } })).json();
    t.clock.advance(5 * 60_000 + 1000);
    tokenRefused(
      await t.request({
        method: 'POST',
        url: VERIFY,
        body: { mfaToken, credential: phone().register(options).response },
      }),
    );
    tokenRefused(await t.request({ method: 'POST', url: OPTIONS, body: { mfaToken } }));
  });

  it('spends an mfaToken presented from another browser, for its owner too', async () => {
    const { mfaToken } = await pausedAdmin();
    tokenRefused(
      await t.request({ method: 'POST', url: OPTIONS, body: { mfaToken }, headers: { 'user-agent': 'curl/8.0' } }),
    );
    tokenRefused(await t.request({ method: 'POST', url: OPTIONS, body: { mfaToken } }));
  });

  it('takes only an answer to a challenge of this login: not of another login, nor of a signed-in registration', async () => {
    const a = await pausedAdmin();
    // Another paused login of the same administrator.
    const b = {
      mfaToken: (
        await t.request({
          method: 'POST',
          url: '/auth/login',
          body: { username: a.user.username, password: a.user.password },
        })
      ).json().mfaToken as string,
    };
    const ofB = (await t.request({ method: 'POST', url: OPTIONS, body: { mfaToken: b.mfaToken } })).json();
    const crossed = await t.request({
      method: 'POST',
      url: VERIFY,
      body: { mfaToken: a.mfaToken, credential: phone().register(ofB).response },
    });
    expect(crossed.statusCode).toBe(401);
    expect(crossed.json().error.code).toBe('ERR_PASSKEY_INVALID');

    const someone = await t.signUp();
    const signedIn = (
      await t.request({
        method: 'POST',
        url: '/auth/passkeys/register/options',
        token: someone.accessToken,
        body: { password: someone.password },
      })
    ).json();
    const foreign = await t.request({
      method: 'POST',
      url: VERIFY,
      body: { mfaToken: a.mfaToken, credential: phone().register(signedIn).response },
    });
    expect(foreign.json().error.code).toBe('ERR_PASSKEY_INVALID');

    // And the other way round: a challenge of a login does not register a passkey for a signed-in session,
    // not even one of the same user (the sign-up's session, from before the role needed a factor).
    const ofA = (await t.request({ method: 'POST', url: OPTIONS, body: { mfaToken: a.mfaToken } })).json();
    const misused = await t.request({
      method: 'POST',
      url: '/auth/passkeys/register/verify',
      token: a.user.accessToken,
      body: { credential: phone().register(ofA).response },
    });
    expect(misused.json().error.code).toBe('ERR_PASSKEY_INVALID');
    const none = await t.request({ method: 'GET', url: '/auth/passkeys', token: a.user.accessToken });
    expect(none.json().passkeys).toEqual([]);

    // Refused answers finish nothing: the owner still adds their passkey with a fresh challenge.
    expect((await enrolWith(a.mfaToken, phone())).statusCode).toBe(200);
  });

  it('refuses an answer for another origin, and lets the owner try again', async () => {
    const { mfaToken } = await pausedAdmin();
    const wrong = await enrolWith(mfaToken, phone(), { origin: 'https://evil.example.net' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('ERR_PASSKEY_INVALID');
    expect(wrong.json().accessToken).toBeUndefined();
    expect((await enrolWith(mfaToken, phone())).statusCode).toBe(200);
  });
});
