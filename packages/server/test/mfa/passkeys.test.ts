import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimsOf, codeFor, enrolTotp, passwordStep, verify } from '../support/mfa-steps.js';
import {
  addPasskey,
  PASSKEY_ORIGIN,
  registerWith,
  secondStepWith,
  signInAnswer,
  signInWith,
} from '../support/passkey-steps.js';
import { type CeremonyOverrides, createSoftwareAuthenticator } from '../support/software-authenticator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const phone = () => createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN });
const securityKey = () => createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN, synced: false });

describe('passkeys', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      // Every test signs in from one address: the per-network limit has its own server below.
      env: { JWTGATE_WEB_PUBLIC_URL: PASSKEY_ORIGIN, JWTGATE_MFA_MAX_FAILURES: '1000' },
    });
  });
  afterAll(() => t.close());

  const auditRows = async (userId: string, event: string) => {
    await t.server.flushAudit();
    return t.server.database.db
      .selectFrom('jwtgate_audit')
      .selectAll()
      .where('user_id', '=', userId)
      .where('event', '=', event)
      .execute();
  };

  it('registers a passkey and lists it without its key', async () => {
    const user = await t.signUp();
    const res = await registerWith(t, user.accessToken, phone(), {}, 'My phone 📱');
    expect(res.statusCode, res.body).toBe(200);
    const passkey = res.json();
    expect(passkey).toMatchObject({ name: 'My phone 📱', deviceType: 'multiDevice', backedUp: true, lastUsedAt: null });
    const list = await t.request({ method: 'GET', url: '/auth/passkeys', token: user.accessToken });
    expect(list.json()).toEqual({ passkeys: [passkey] });
    expect(list.body).not.toMatch(/publicKey|counter/);
    const status = await t.request({ method: 'GET', url: '/auth/mfa', token: user.accessToken });
    expect(status.json()).toEqual({ totp: false, recoveryCodesLeft: 0, passkeys: 1, methods: ['webauthn'] });
    expect(await auditRows(user.userId, 'mfa.enrolled')).toHaveLength(1);
  });

  it('offers the options a discoverable passkey needs, for the configured relying party', async () => {
    const user = await t.signUp();
    const device = phone();
    await addPasskey(t, user.accessToken, device);
    const { accessToken } = (await signInWith(t, device)).json();
    const options = (
      await t.request({
        method: 'POST',
        url: '/auth/passkeys/register/options',
        token: accessToken,
        body: { password: user.password },
      })
    ).json();
    expect(options.rp).toEqual({ name: 'jwtgate', id: 'auth.example.com' });
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required' });
    expect(options.attestation).toBe('none');
    expect(options.excludeCredentials).toEqual([
      expect.objectContaining({ id: device.credentials[0]?.id.toString('base64url') }),
    ]);
    expect(Buffer.from(options.user.id, 'base64url').toString()).toBe(user.userId);
    const signIn = (await t.request({ method: 'POST', url: '/auth/passkeys/login/options' })).json();
    expect(signIn).toMatchObject({ rpId: 'auth.example.com', userVerification: 'required' });
    expect(signIn.allowCredentials ?? []).toEqual([]);
  });

  it('signs in without a password, into an ordinary session, and keeps the counter and backup flag', async () => {
    const user = await t.signUp();
    const device = phone();
    const id = await addPasskey(t, user.accessToken, device);
    const res = await signInWith(t, device);
    expect(res.statusCode, res.body).toBe(200);
    const { accessToken, refreshToken } = res.json();
    const claims = claimsOf(accessToken);
    expect(claims.sub).toBe(user.userId);
    expect(claims.amr).toEqual(['swk', 'user', 'mfa']);
    expect(typeof claims.auth_time).toBe('number');
    const refreshed = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
    expect(refreshed.statusCode).toBe(200);
    const row = await t.server.database.db
      .selectFrom('jwtgate_passkeys')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Number(row.counter)).toBe(1);
    expect(Number(row.backed_up)).toBe(1);
    expect(row.last_used_at).not.toBeNull();
  });

  it('says hwk for a passkey bound to one device', async () => {
    const user = await t.signUp();
    const device = securityKey();
    await addPasskey(t, user.accessToken, device);
    const res = await signInWith(t, device);
    expect(claimsOf(res.json().accessToken).amr).toEqual(['hwk', 'user', 'mfa']);
  });

  it('finishes a password login with a passkey as its second step', async () => {
    const user = await t.signUp();
    const device = securityKey();
    await addPasskey(t, user.accessToken, device);
    const login = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: user.username, password: user.password },
    });
    expect(login.json()).toMatchObject({ mfaRequired: true, methods: ['webauthn'] });
    expect(login.json().accessToken).toBeUndefined();
    const res = await secondStepWith(t, login.json().mfaToken, device);
    expect(res.statusCode, res.body).toBe(200);
    expect(claimsOf(res.json().accessToken).amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);
  });

  it('takes a passkey without user verification as a second factor, but not for signing in alone', async () => {
    const user = await t.signUp();
    const device = createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN, userVerified: false, synced: false });
    await addPasskey(t, user.accessToken, device);
    const alone = await signInWith(t, device);
    expect(alone.statusCode).toBe(401);
    expect(alone.json().error.code).toBe('ERR_PASSKEY_INVALID');
    const res = await secondStepWith(t, await passwordStep(t, user.username, user.password), device);
    expect(res.statusCode, res.body).toBe(200);
    expect(claimsOf(res.json().accessToken).amr).toEqual(['pwd', 'hwk', 'mfa']);
  });

  it('lists every method a user with an app and a passkey can finish with', async () => {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    // The session that set the app up was signed in without it: adding a passkey needs a sign-in with it.
    const refused = await t.request({
      method: 'POST',
      url: '/auth/passkeys/register/options',
      token: user.accessToken,
    });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['www-authenticate']).toContain('insufficient_user_authentication');
    const stepped = await verify(
      t,
      await passwordStep(t, user.username, user.password),
      codeFor(secret, t.clock.now()),
    );
    expect(stepped.statusCode, stepped.body).toBe(200);
    await addPasskey(t, stepped.json().accessToken, phone());
    const login = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: user.username, password: user.password },
    });
    expect(login.json().methods).toEqual(['totp', 'webauthn', 'recovery']);
  });

  it('alerts a recovery code spent to turn the app off, as one spent at login', async () => {
    const user = await t.signUp();
    const { secret, recoveryCodes } = await enrolTotp(t, user);
    const stepped = await verify(
      t,
      await passwordStep(t, user.username, user.password),
      codeFor(secret, t.clock.now()),
    );
    await addPasskey(t, stepped.json().accessToken, phone());
    const signedIn = (
      await verify(t, await passwordStep(t, user.username, user.password), codeFor(secret, t.clock.now(), 1))
    ).json();
    const off = await t.request({
      method: 'DELETE',
      url: '/auth/mfa/totp',
      token: signedIn.accessToken,
      body: { code: recoveryCodes[0], method: 'recovery' },
    });
    expect(off.statusCode, off.body).toBe(204);
    const rows = await auditRows(user.userId, 'mfa.recovery-code-used');
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]?.details ?? '{}')).toMatchObject({ recoveryCodesLeft: 9 });
  });

  describe('refuses an answer that is not for this ceremony', () => {
    const refusals: Record<string, CeremonyOverrides> = {
      'from another origin': { origin: 'https://evil.example.net' },
      'for another RP id': { rpId: 'example.net' },
      'to an unknown challenge': { challenge: randomBytes(32).toString('base64url') },
      'of the wrong type': { type: 'webauthn.get' },
      'without user presence': { userPresent: false },
    };
    for (const [what, overrides] of Object.entries(refusals)) {
      it(`at registration: ${what}`, async () => {
        const user = await t.signUp();
        const res = await registerWith(t, user.accessToken, phone(), overrides);
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('ERR_PASSKEY_INVALID');
        const list = await t.request({ method: 'GET', url: '/auth/passkeys', token: user.accessToken });
        expect(list.json().passkeys).toEqual([]);
      });

      it(`at sign-in: ${what}`, async () => {
        const user = await t.signUp();
        const device = phone();
        await addPasskey(t, user.accessToken, device);
        const res = await signInWith(t, device, overrides.type === undefined ? overrides : { type: 'webauthn.create' });
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('ERR_PASSKEY_INVALID');
      });
    }
  });

  it('takes each challenge once: a replayed answer, or a second answer to a refused one, is refused', async () => {
    const user = await t.signUp();
    const device = phone();
    await addPasskey(t, user.accessToken, device);
    const body = await signInAnswer(t, device);
    const first = await t.request({ method: 'POST', url: '/auth/passkeys/login/verify', body });
    expect(first.statusCode).toBe(200);
    const replay = await t.request({ method: 'POST', url: '/auth/passkeys/login/verify', body });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('ERR_PASSKEY_INVALID');

    const options = (await t.request({ method: 'POST', url: '/auth/passkeys/login/options' })).json();
    const bad = device.assert(options, { origin: 'https://evil.example.net' });
    expect(
      (await t.request({ method: 'POST', url: '/auth/passkeys/login/verify', body: { credential: bad } })).statusCode,
    ).toBe(401);
    const good = device.assert(options);
    const second = await t.request({ method: 'POST', url: '/auth/passkeys/login/verify', body: { credential: good } });
    expect(second.statusCode).toBe(401);
  });

  it('lets one of two concurrent answers to one challenge through', async () => {
    const user = await t.signUp();
    const device = createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN, counterStep: 0 });
    await addPasskey(t, user.accessToken, device);
    const options = (await t.request({ method: 'POST', url: '/auth/passkeys/login/options' })).json();
    const answers = [device.assert(options), device.assert(options), device.assert(options)];
    const results = await Promise.all(
      answers.map((credential) =>
        t.request({ method: 'POST', url: '/auth/passkeys/login/verify', body: { credential } }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401, 401]);
  });

  it('refuses a challenge older than 5 minutes', async () => {
    const user = await t.signUp();
    const device = phone();
    await addPasskey(t, user.accessToken, device);
    const body = await signInAnswer(t, device);
    t.clock.advance(300_001);
    const res = await t.request({ method: 'POST', url: '/auth/passkeys/login/verify', body });
    expect(res.statusCode).toBe(401);
  });

  it('refuses a cloned authenticator whose counter goes backwards, audits it and alerts', async () => {
    const user = await t.signUp();
    const device = securityKey();
    const id = await addPasskey(t, user.accessToken, device);
    const clone = device.clone();
    expect((await signInWith(t, device)).statusCode).toBe(200);
    expect((await signInWith(t, device)).statusCode).toBe(200);
    const cloned = await signInWith(t, clone);
    expect(cloned.statusCode).toBe(401);
    expect(cloned.json().error.code).toBe('ERR_PASSKEY_INVALID');
    const rows = await auditRows(user.userId, 'mfa.passkey-cloned');
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]?.details ?? '{}')).toMatchObject({
      credentialId: id,
      storedCounter: 2,
      presentedCounter: 1,
    });
    // The same counter again is no better.
    expect(
      (
        await signInWith(t, createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN }), {
          credential: device.credentials[0],
          counter: 2,
        })
      ).statusCode,
    ).toBe(401);
    // Nobody without the key can raise the alarm: a forged low counter with a bad signature is just refused.
    const forged = await signInAnswer(t, device, { counter: 1 });
    forged.credential.response.signature = Buffer.from('not a signature').toString('base64url');
    expect((await t.request({ method: 'POST', url: '/auth/passkeys/login/verify', body: forged })).statusCode).toBe(
      401,
    );
    expect(await auditRows(user.userId, 'mfa.passkey-cloned')).toHaveLength(2);
  });

  it('refuses a deleted passkey, and answers exactly as for one that never existed', async () => {
    const user = await t.signUp();
    const device = phone();
    const id = await addPasskey(t, user.accessToken, device);
    // A second passkey needs a sign-in with the first: the user has a second factor now.
    const signedIn = (await signInWith(t, device)).json();
    await addPasskey(t, signedIn.accessToken, phone());
    const removed = await t.request({ method: 'DELETE', url: `/auth/passkeys/${id}`, token: signedIn.accessToken });
    expect(removed.statusCode, removed.body).toBe(204);
    const gone = await signInWith(t, device);
    const stranger = createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN });
    stranger.register({ challenge: 'x', rp: { id: 'auth.example.com' }, user: { id: 'eA' } });
    const unknown = await signInWith(t, stranger);
    expect(gone.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(gone.json()).toEqual(unknown.json());
  });

  it("refuses another user's passkey as the second step, and their passkey ids in the routes", async () => {
    const alice = await t.signUp();
    const bob = await t.signUp();
    const alicesKey = securityKey();
    const bobsKey = securityKey();
    await addPasskey(t, alice.accessToken, alicesKey);
    const bobsId = await addPasskey(t, bob.accessToken, bobsKey);
    const mfaToken = await passwordStep(t, alice.username, alice.password);
    const res = await secondStepWith(t, mfaToken, bobsKey, { credential: bobsKey.credentials[0] });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_PASSKEY_INVALID');
    for (const method of ['PATCH', 'DELETE'] as const) {
      const touched = await t.request({
        method,
        url: `/auth/passkeys/${bobsId}`,
        token: alice.accessToken,
        body: method === 'PATCH' ? { name: 'mine now' } : {},
      });
      expect(touched.statusCode).toBe(404);
      expect(touched.json().error.code).toBe('ERR_PASSKEY_NOT_FOUND');
    }
    // Bob's key never signed in as Alice, and Alice can still finish with her own.
    expect((await secondStepWith(t, await passwordStep(t, alice.username, alice.password), alicesKey)).statusCode).toBe(
      200,
    );
  });

  it('renames a passkey', async () => {
    const user = await t.signUp();
    const id = await addPasskey(t, user.accessToken, phone());
    const res = await t.request({
      method: 'PATCH',
      url: `/auth/passkeys/${id}`,
      token: user.accessToken,
      body: { name: 'Work laptop' },
    });
    expect(res.statusCode).toBe(204);
    const list = await t.request({ method: 'GET', url: '/auth/passkeys', token: user.accessToken });
    expect(list.json().passkeys[0].name).toBe('Work laptop');
  });

  it('needs a recent sign-in to add a passkey', async () => {
    const user = await t.signUp();
    t.clock.advance(601_000);
    const refresh = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: user.refreshToken },
    });
    const { accessToken } = refresh.json();
    const res = await t.request({ method: 'POST', url: '/auth/passkeys/register/options', token: accessToken });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_INSUFFICIENT_AUTHENTICATION');
    expect(res.headers['www-authenticate']).toContain('max_age=600');
  });

  it('deletes the last second factor only with the password, from a sign-in with a second factor', async () => {
    const user = await t.signUp();
    const device = phone();
    const id = await addPasskey(t, user.accessToken, device);
    const weak = await t.request({ method: 'DELETE', url: `/auth/passkeys/${id}`, token: user.accessToken });
    expect(weak.statusCode).toBe(401);
    expect(weak.json().error.code).toBe('ERR_INSUFFICIENT_AUTHENTICATION');
    const { accessToken } = (await signInWith(t, device)).json();
    const bare = await t.request({ method: 'DELETE', url: `/auth/passkeys/${id}`, token: accessToken });
    expect(bare.statusCode).toBe(403);
    expect(bare.json().error.code).toBe('ERR_REAUTHENTICATION_FAILED');
    const wrong = await t.request({
      method: 'DELETE',
      url: `/auth/passkeys/${id}`,
      token: accessToken,
      body: { password: 'not the password' },
    });
    expect(wrong.statusCode).toBe(403);
    const res = await t.request({
      method: 'DELETE',
      url: `/auth/passkeys/${id}`,
      token: accessToken,
      body: { password: user.password },
    });
    expect(res.statusCode).toBe(204);
    expect(await auditRows(user.userId, 'mfa.removed')).toHaveLength(1);
    // No factor left: the password alone signs in again.
    expect((await t.login(user.username, user.password)).accessToken).toBeDefined();
  });

  it('deletes no passkey, not even one of several, for a sign-in kept alive by refreshes past 10 minutes', async () => {
    const user = await t.signUp();
    const device = phone();
    await addPasskey(t, user.accessToken, device);
    const signedIn = (await signInWith(t, device)).json();
    const spare = await addPasskey(t, signedIn.accessToken, securityKey());
    const fresh = (await signInWith(t, device)).json();
    // A stolen refresh token keeps a two-factor session going for hours: it is no fresh authentication.
    t.clock.advance(601_000);
    const refreshed = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: fresh.refreshToken },
    });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const stale = await t.request({
      method: 'DELETE',
      url: `/auth/passkeys/${spare}`,
      token: refreshed.json().accessToken,
    });
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error.code).toBe('ERR_INSUFFICIENT_AUTHENTICATION');
    expect(stale.headers['www-authenticate']).toContain('error="insufficient_user_authentication"');
    expect(stale.headers['www-authenticate']).toContain('max_age=600');
    const list = await t.request({ method: 'GET', url: '/auth/passkeys', token: refreshed.json().accessToken });
    expect(list.json().passkeys).toHaveLength(2);
    // Signing in again is the step-up the answer asks for.
    const again = (await signInWith(t, device)).json();
    const res = await t.request({ method: 'DELETE', url: `/auth/passkeys/${spare}`, token: again.accessToken });
    expect(res.statusCode, res.body).toBe(204);
  });

  it('ends the other sessions when a passkey is added or removed', async () => {
    const user = await t.signUp();
    const other = await t.login(user.username, user.password);
    await addPasskey(t, user.accessToken, phone());
    const refresh = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: other.refreshToken },
    });
    expect(refresh.statusCode).toBe(401);
    const me = await t.request({ method: 'GET', url: '/auth/me', token: user.accessToken });
    expect(me.statusCode).toBe(200);
  });

  it('removes passkeys with the rest when an administrator resets the factors', async () => {
    const user = await t.signUp();
    const device = phone();
    await addPasskey(t, user.accessToken, device);
    const admin = await t.signUp();
    await t.server.database.db
      .updateTable('jwtgate_users')
      .set({ role: 'admin' })
      .where('id', '=', admin.userId)
      .execute();
    const adminToken = (await t.login(admin.username, admin.password)).accessToken;
    const reset = await t.request({ method: 'DELETE', url: `/admin/users/${user.userId}/mfa`, token: adminToken });
    expect(reset.statusCode, reset.body).toBe(200);
    expect(reset.json().removed).toBe(true);
    expect((await signInWith(t, device)).statusCode).toBe(401);
  });
});

describe('passkey sign-in limits', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { JWTGATE_WEB_PUBLIC_URL: PASSKEY_ORIGIN, JWTGATE_MFA_MAX_FAILURES: '5' } });
  });
  afterAll(() => t.close());

  it('throttles wrong answers from a network, from any credential', async () => {
    const user = await t.signUp();
    const device = phone();
    await addPasskey(t, user.accessToken, device);
    for (let i = 0; i < 5; i++) {
      const res = await signInWith(t, device, { origin: 'https://evil.example.net' });
      expect(res.statusCode).toBe(401);
    }
    const limited = await signInWith(t, device);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    t.clock.advance(900_001);
    expect((await signInWith(t, device)).statusCode).toBe(200);
  });
});
