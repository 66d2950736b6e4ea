import { hashRecoveryCode } from '@jwtgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimsOf, codeFor, enrolTotp, passwordStep, verify } from '../support/mfa-steps.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('signing in with an authenticator app', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { JWTGATE_MFA_MAX_FAILURES: '5', JWTGATE_MFA_MAX_FAILURES_PER_DAY: '8' } });
  });
  afterAll(() => t.close());

  const sessionCount = async (userId: string) =>
    Number(
      (
        await t.server.database.db
          .selectFrom('jwtgate_sessions')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('user_id', '=', userId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('turns the app on only with a right code, and answers 10 recovery codes once', async () => {
    const user = await t.signUp();
    const enrol = await t.request({
      method: 'POST',
      url: '/auth/mfa/totp/enroll',
      token: user.accessToken,
      body: { password: user.password },
    });
    expect(enrol.statusCode).toBe(200);
    const { secret, otpauthUri, qrSvg } = enrol.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUri).toBe(
      `otpauth://totp/jwtgate:${user.username}?secret=${secret}&issuer=jwtgate&algorithm=SHA1&digits=6&period=30`,
    );
    expect(qrSvg).toMatch(/^<svg[^>]*>/);
    expect(qrSvg).not.toMatch(/<image|<script|href=/i);

    const status = async () => (await t.request({ method: 'GET', url: '/auth/mfa', token: user.accessToken })).json();
    expect(await status()).toEqual({ totp: false, recoveryCodesLeft: 0, passkeys: 0, methods: [] });
    const wrong = await t.request({
      method: 'POST',
      url: '/auth/mfa/totp/confirm',
      token: user.accessToken,
      body: { code: codeFor(secret, t.clock.now(), 3) },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('ERR_MFA_CODE_INVALID');
    // Still off: a login needs the password only.
    expect((await t.login(user.username, user.password)).accessToken).toBeDefined();

    const confirm = await t.request({
      method: 'POST',
      url: '/auth/mfa/totp/confirm',
      token: user.accessToken,
      body: { code: codeFor(secret, t.clock.now()) },
    });
    expect(confirm.statusCode).toBe(200);
    const { recoveryCodes } = confirm.json();
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    // 120 random bits each: ASVS 5.0 6.5.2 allows a plain hash at rest only from 112 bits up.
    for (const code of recoveryCodes) expect(code).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){5}$/);
    expect(await status()).toEqual({ totp: true, recoveryCodesLeft: 10, passkeys: 0, methods: ['totp', 'recovery'] });

    const again = await t.request({
      method: 'POST',
      url: '/auth/mfa/totp/enroll',
      token: user.accessToken,
      body: { password: user.password },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('ERR_MFA_ALREADY_ENABLED');
  });

  it('refuses to start a set-up without the right password', async () => {
    const user = await t.signUp();
    const res = await t.request({
      method: 'POST',
      url: '/auth/mfa/totp/enroll',
      token: user.accessToken,
      body: { password: 'not the password' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('ERR_REAUTHENTICATION_FAILED');
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('keeps the secret sealed in the database: the row holds no form of it', async () => {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    const row = await t.server.database.db
      .selectFrom('jwtgate_mfa_totp')
      .selectAll()
      .where('user_id', '=', user.userId)
      .executeTakeFirstOrThrow();
    const raw = Buffer.from((await import('@jwtgate/core')).decodeBase32(secret) as Uint8Array);
    for (const form of [
      secret,
      secret.toLowerCase(),
      raw.toString('hex'),
      raw.toString('base64'),
      raw.toString('base64url'),
    ]) {
      expect(row.secret).not.toContain(form);
    }
    expect(row.secret).toMatch(/^v1\.[A-Za-z0-9_-]+\./);
    const codes = await t.server.database.db
      .selectFrom('jwtgate_mfa_recovery_codes')
      .select('code_hash')
      .where('user_id', '=', user.userId)
      .execute();
    expect(codes).toHaveLength(10);
  });

  it('pauses the login after the password: no token, no cookie, no session', async () => {
    const user = await t.signUp();
    await enrolTotp(t, user);
    const before = await sessionCount(user.userId);
    const res = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: user.username, password: user.password },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['methods', 'mfaRequired', 'mfaToken']);
    expect(body.mfaRequired).toBe(true);
    expect(body.methods).toEqual(['totp', 'recovery']);
    expect(body.mfaToken).toMatch(/^jgm1_[A-Za-z0-9_-]{43}$/);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await sessionCount(user.userId)).toBe(before);
  });

  it('finishes the login with a code, and the tokens say both factors were used', async () => {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    const loginAt = t.clock.now();
    const mfaToken = await passwordStep(t, user.username, user.password, 'phone');
    t.clock.advance(20_000);
    const res = await verify(t, mfaToken, codeFor(secret, t.clock.now()));
    expect(res.statusCode, res.body).toBe(200);
    const tokens = res.json();
    expect(Object.keys(tokens).sort()).toEqual([
      'accessToken',
      'expiresIn',
      'refreshAfter',
      'refreshToken',
      'tokenType',
    ]);
    const claims = claimsOf(tokens.accessToken);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe('urn:jwtgate:acr:mfa');
    // The sign-in began with the password.
    expect(claims.auth_time).toBe(Math.floor(loginAt / 1000));

    // The session remembers it: the list shows it and refreshed tokens carry it on.
    const list = await t.request({ method: 'GET', url: '/auth/sessions', token: tokens.accessToken });
    const mine = list.json().sessions.find((s: { current: boolean }) => s.current);
    expect(mine).toMatchObject({
      device: 'phone',
      amr: ['pwd', 'otp', 'mfa'],
      authTime: new Date(Math.floor(loginAt)).toISOString(),
    });
    t.clock.advance(60_000);
    const refreshed = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: tokens.refreshToken },
    });
    expect(claimsOf(refreshed.json().accessToken)).toMatchObject({
      amr: ['pwd', 'otp', 'mfa'],
      auth_time: claims.auth_time,
    });
  });

  it('accepts each code once: the same code again, or an older one, is refused', async () => {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    const code = codeFor(secret, t.clock.now());
    const older = codeFor(secret, t.clock.now(), -1);
    expect((await verify(t, await passwordStep(t, user.username, user.password), code)).statusCode).toBe(200);
    for (const replay of [code, older]) {
      const res = await verify(t, await passwordStep(t, user.username, user.password), replay);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('ERR_MFA_CODE_INVALID');
    }
    // The next step's code works.
    t.clock.advance(30_000);
    expect(
      (await verify(t, await passwordStep(t, user.username, user.password), codeFor(secret, t.clock.now()))).statusCode,
    ).toBe(200);
  });

  it('lets exactly one of concurrent logins with the same code through', async () => {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    const tokens = await Promise.all(Array.from({ length: 4 }, () => passwordStep(t, user.username, user.password)));
    const code = codeFor(secret, t.clock.now());
    const answers = await Promise.all(tokens.map((mfaToken) => verify(t, mfaToken, code)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 401, 401, 401]);
  });

  it('accepts a code one step off (clock drift) and nothing further', async () => {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    const far = await verify(t, await passwordStep(t, user.username, user.password), codeFor(secret, t.clock.now(), 2));
    expect(far.statusCode).toBe(401);
    const near = await verify(
      t,
      await passwordStep(t, user.username, user.password),
      codeFor(secret, t.clock.now(), 1),
    );
    expect(near.statusCode).toBe(200);
  });

  it('finishes a login with a recovery code once, in any case and grouping', async () => {
    const user = await t.signUp();
    const { recoveryCodes } = await enrolTotp(t, user);
    const code = recoveryCodes[0] as string;
    const typed = code.replaceAll('-', ' ').toLowerCase();
    const res = await verify(t, await passwordStep(t, user.username, user.password), typed, 'recovery');
    expect(res.statusCode, res.body).toBe(200);
    expect(claimsOf(res.json().accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
    const again = await verify(t, await passwordStep(t, user.username, user.password), code, 'recovery');
    expect(again.statusCode).toBe(401);
    expect(again.json().error.code).toBe('ERR_MFA_CODE_INVALID');
    const status = await t.request({ method: 'GET', url: '/auth/mfa', token: res.json().accessToken });
    expect(status.json().recoveryCodesLeft).toBe(9);
  });

  it('still takes a 16-character recovery code issued before codes grew to 120 bits, once', async () => {
    const user = await t.signUp();
    await enrolTotp(t, user);
    const older = 'ABCD-EFGH-JKMN-PQRS';
    await t.server.database.db
      .insertInto('jwtgate_mfa_recovery_codes')
      .values({ user_id: user.userId, code_hash: hashRecoveryCode(user.userId, 'ABCDEFGHJKMNPQRS'), created_at: 0 })
      .execute();
    const res = await verify(t, await passwordStep(t, user.username, user.password), older, 'recovery');
    expect(res.statusCode, res.body).toBe(200);
    const again = await verify(t, await passwordStep(t, user.username, user.password), older, 'recovery');
    expect(again.json().error.code).toBe('ERR_MFA_CODE_INVALID');
  });

  it('records a recovery code spent as an alert', async () => {
    const user = await t.signUp();
    const { recoveryCodes } = await enrolTotp(t, user);
    const res = await verify(
      t,
      await passwordStep(t, user.username, user.password),
      recoveryCodes[1] as string,
      'recovery',
    );
    expect(res.statusCode).toBe(200);
    await t.server.flushAudit();
    const rows = await t.server.database.db
      .selectFrom('jwtgate_audit')
      .selectAll()
      .where('user_id', '=', user.userId)
      .where('event', '=', 'mfa.recovery-code-used')
      .execute();
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]?.details ?? '{}')).toMatchObject({ recoveryCodesLeft: 9 });
    expect(rows[0]?.details).not.toContain(recoveryCodes[1]);
  });

  it('throttles wrong codes per user, so a right code after too many wrong ones waits too', async () => {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    const mfaToken = await passwordStep(t, user.username, user.password);
    for (let i = 0; i < 5; i++) {
      const wrong = await verify(t, mfaToken, codeFor(secret, t.clock.now(), 5));
      expect(wrong.statusCode).toBe(401);
    }
    const blocked = await verify(t, mfaToken, codeFor(secret, t.clock.now()));
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('ERR_RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Recovery codes share the limit.
    const recovery = await verify(t, mfaToken, 'AAAA-AAAA-AAAA-AAAA', 'recovery');
    expect(recovery.statusCode).toBe(429);
    // A fresh mfaToken (the password again) is no way round it.
    const fresh = await passwordStep(t, user.username, user.password);
    expect((await verify(t, fresh, codeFor(secret, t.clock.now()))).statusCode).toBe(429);
    t.clock.advance(15 * 60_000 + 1000);
    const later = await passwordStep(t, user.username, user.password);
    expect((await verify(t, later, codeFor(secret, t.clock.now()))).statusCode).toBe(200);
  });

  it('counts wrong codes per user across networks: a guesser with the password and many addresses gains nothing', async () => {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    const from = async (network: number, code: string) => {
      const remoteAddress = `198.51.100.${network}`;
      const post = (url: string, body: unknown) =>
        t.server.app.inject({
          method: 'POST',
          url,
          remoteAddress,
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
      const { mfaToken } = (await post('/auth/login', { username: user.username, password: user.password })).json();
      return post('/auth/mfa/verify', { mfaToken, method: 'totp', code });
    };
    for (let network = 1; network <= 5; network++) {
      expect((await from(network, codeFor(secret, t.clock.now(), 7))).statusCode).toBe(401);
    }
    const right = await from(6, codeFor(secret, t.clock.now()));
    expect(right.statusCode).toBe(429);
    expect(right.json().error.code).toBe('ERR_RATE_LIMITED');
  });

  it('bounds wrong codes per day as well, whatever the short window', async () => {
    const user = await t.signUp();
    const { secret } = await enrolTotp(t, user);
    for (let i = 0; i < 8; i++) {
      if (i === 5) t.clock.advance(15 * 60_000 + 1000);
      const mfaToken = await passwordStep(t, user.username, user.password);
      expect((await verify(t, mfaToken, codeFor(secret, t.clock.now(), 9))).statusCode).toBe(401);
    }
    t.clock.advance(15 * 60_000 + 1000);
    const mfaToken = await passwordStep(t, user.username, user.password);
    expect((await verify(t, mfaToken, codeFor(secret, t.clock.now()))).statusCode).toBe(429);
  });
});
