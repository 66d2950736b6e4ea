import { createRefreshTokenCodec } from '@jwtgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlSessionStore } from '../../src/stores/sql/sql-session-store.js';
import { decodeJwt, startTestServer, TEST_REFRESH_SECRET, type TestServer } from '../support/test-server.js';

function sessionOf(t: TestServer, accessToken: string) {
  const sid = decodeJwt(accessToken).payload.sid as string;
  return createSqlSessionStore(t.server.database.db).get(sid);
}

describe('refresh rotation', () => {
  let t: TestServer;
  const refresh = (refreshToken: string) => t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('spends the refresh token and answers a new pair that must not be cached', async () => {
    const { refreshToken, accessToken } = await t.signUp();
    const res = await refresh(refreshToken);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const next = res.json();
    expect(next.refreshToken).not.toBe(refreshToken);
    expect(next.accessToken).not.toBe(accessToken);
    expect(decodeJwt(next.accessToken).payload.sid).toBe(decodeJwt(accessToken).payload.sid);
    expect((await t.request({ method: 'GET', url: '/auth/me', token: next.accessToken })).statusCode).toBe(200);
    const stored = await sessionOf(t, accessToken);
    expect(stored?.generation).toBe(1);
    // Only hashes are stored, never the tokens themselves.
    expect(JSON.stringify(stored)).not.toContain(next.refreshToken.slice(5));
    expect(JSON.stringify(stored)).not.toContain(refreshToken.slice(5));
  });

  it('answers a replay inside the grace window with the same successor, and keeps the session', async () => {
    const { refreshToken, accessToken } = await t.signUp();
    const first = (await refresh(refreshToken)).json();
    t.clock.advance(5_000);
    const replay = await refresh(refreshToken);
    expect(replay.statusCode).toBe(200);
    expect(replay.json().refreshToken).toBe(first.refreshToken);
    expect(replay.json().accessToken).not.toBe(first.accessToken);
    expect((await t.request({ method: 'GET', url: '/auth/me', token: replay.json().accessToken })).statusCode).toBe(
      200,
    );
    expect((await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(200);
    expect((await sessionOf(t, accessToken))?.generation).toBe(1);
    // The successor itself still rotates normally.
    expect((await refresh(first.refreshToken)).statusCode).toBe(200);
  });

  it('treats a replay after the grace window as theft: the whole session is revoked at once', async () => {
    const { refreshToken, accessToken } = await t.signUp();
    const first = (await refresh(refreshToken)).json();
    t.clock.advance(10_001);
    const replay = await refresh(refreshToken);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('ERR_REFRESH_TOKEN_REUSED');
    for (const token of [accessToken, first.accessToken]) {
      const me = await t.request({ method: 'GET', url: '/auth/me', token });
      expect(me.statusCode).toBe(401);
      expect(me.json().error.code).toBe('ERR_TOKEN_REVOKED');
    }
    const successor = await refresh(first.refreshToken);
    expect(successor.statusCode).toBe(401);
    expect(successor.json().error.code).toBe('ERR_SESSION_REVOKED');
    expect((await sessionOf(t, accessToken))?.revokeReason).toBe('refresh-token-reuse');
  });

  it('treats any older generation as theft, even inside the grace window', async () => {
    const { refreshToken: r0, accessToken } = await t.signUp();
    const r1 = (await refresh(r0)).json().refreshToken;
    const r2 = (await refresh(r1)).json().refreshToken;
    expect(r2).toBeTruthy();
    const replay = await refresh(r0);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('ERR_REFRESH_TOKEN_REUSED');
    expect((await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).json().error.code).toBe(
      'ERR_TOKEN_REVOKED',
    );
  });

  it('gives 20 concurrent refreshes of one token exactly one successor', async () => {
    const { refreshToken, accessToken } = await t.signUp();
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(refreshToken)));
    expect(results.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    const successors = new Set(results.map((r) => r.json().refreshToken));
    expect(successors.size).toBe(1);
    const stored = await sessionOf(t, accessToken);
    expect(stored?.generation).toBe(1);
    expect(stored?.revokedAt).toBeNull();
    const [successor] = [...successors] as [string];
    expect((await refresh(successor)).statusCode).toBe(200);
  });

  it('refuses a forged refresh token without revoking the session it names', async () => {
    const { refreshToken, accessToken } = await t.signUp();
    const forged = `${refreshToken.slice(0, -3)}${refreshToken.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const otherKey = createRefreshTokenCodec('a-different-refresh-secret-0123456789abcdef');
    const sid = decodeJwt(accessToken).payload.sid as string;
    for (const token of [forged, otherKey.mint(sid, 0), 'jgr1_short', 'not-a-token', '']) {
      const res = await refresh(token);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('ERR_REFRESH_TOKEN_INVALID');
    }
    expect((await sessionOf(t, accessToken))?.revokedAt).toBeNull();
    expect((await refresh(refreshToken)).statusCode).toBe(200);
  });

  it("trusts no reading of a token but the codec's own: a forged one handed to refresh is ignored", async () => {
    const { refreshToken, accessToken } = await t.signUp();
    const otherKey = createRefreshTokenCodec('a-different-refresh-secret-0123456789abcdef');
    const sid = decodeJwt(accessToken).payload.sid as string;
    const forged = otherKey.mint(sid, 0);
    // A reading that claims the forged token is this session's current one, as a careless caller might pass.
    const genuine = t.server.sessions.refreshTokens.read(refreshToken);
    if (genuine === null) throw new Error('the test token did not read');
    const lookalike = { ...genuine, token: forged };
    await expect(t.server.sessions.refresh({ refreshToken: forged, reading: lookalike })).rejects.toMatchObject({
      code: 'ERR_REFRESH_TOKEN_INVALID',
    });
    // Nor does a genuine reading of another token stand for this one.
    await expect(t.server.sessions.refresh({ refreshToken: forged, reading: genuine })).rejects.toMatchObject({
      code: 'ERR_REFRESH_TOKEN_INVALID',
    });
    expect((await sessionOf(t, accessToken))?.revokedAt).toBeNull();
    expect((await refresh(refreshToken)).statusCode).toBe(200);
  });

  it('refuses a well-formed token for a session that does not exist', async () => {
    const codec = createRefreshTokenCodec(TEST_REFRESH_SECRET);
    const res = await refresh(codec.mint('AAAAAAAAAAAAAAAAAAAAAA', 0));
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_REFRESH_TOKEN_INVALID');
  });

  it('ends the session of a disabled user at the next refresh', async () => {
    const { refreshToken, accessToken, userId } = await t.signUp();
    await t.server.users.update(userId, { disabled: true, updatedAt: Date.now() });
    const res = await refresh(refreshToken);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_SESSION_REVOKED');
    expect((await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(401);
  });
});

describe('refresh with the grace window disabled', () => {
  it('treats the second use of a token as theft, however soon', async () => {
    const t = await startTestServer({ env: { JWTGATE_AUTH_REFRESH_GRACE: '0' } });
    try {
      const { refreshToken, accessToken } = await t.signUp();
      const first = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
      expect(first.statusCode).toBe(200);
      const second = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
      expect(second.statusCode).toBe(401);
      expect(second.json().error.code).toBe('ERR_REFRESH_TOKEN_REUSED');
      expect((await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(401);
    } finally {
      await t.close();
    }
  });
});

describe('refresh lifetimes', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: {
        JWTGATE_AUTH_ACCESS_EXPIRE: '60',
        JWTGATE_AUTH_REFRESH_EXPIRE: '3600',
        JWTGATE_AUTH_SESSION_MAX_AGE: '7200',
      },
    });
  });
  afterAll(() => t.close());
  const refresh = (refreshToken: string) => t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });

  it('expires an unused refresh token after RefreshExpire', async () => {
    const { refreshToken } = await t.signUp();
    const start = t.clock.now();
    t.clock.advance(3600_000);
    const res = await refresh(refreshToken);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_REFRESH_TOKEN_EXPIRED');
    t.clock.set(start);
  });

  it('never extends the session past its absolute lifetime, however often it is refreshed', async () => {
    const { refreshToken } = await t.signUp();
    const start = t.clock.now();
    let token = refreshToken;
    for (const at of [3000, 6000]) {
      t.clock.set(start + at * 1000);
      const res = await refresh(token);
      expect(res.statusCode).toBe(200);
      token = res.json().refreshToken;
    }
    t.clock.set(start + 7190 * 1000);
    const last = await refresh(token);
    expect(last.statusCode).toBe(200);
    // The access token is cut short so that it ends with the session.
    expect(last.json().expiresIn).toBe(10);
    expect(decodeJwt(last.json().accessToken).payload.exp).toBe(Math.floor((start + 7200_000) / 1000));
    t.clock.set(start + 7200 * 1000);
    const expired = await refresh(last.json().refreshToken);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('ERR_REFRESH_TOKEN_EXPIRED');
    t.clock.set(start);
  });
});

describe('a refresh that fails before the rotation', () => {
  it('leaves the refresh token unspent when the custom claims hook fails, even past the grace window', async () => {
    let failing = false;
    const t = await startTestServer({
      customClaims: () => {
        if (failing) throw new Error('the plan service is down');
        return {};
      },
    });
    try {
      const { refreshToken } = await t.signUp();
      failing = true;
      const failed = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
      expect(failed.statusCode).toBe(500);
      failing = false;
      // Beyond RefreshGrace a spent token would count as theft; an unspent one simply works.
      t.clock.advance(60_000);
      const retried = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
      expect(retried.statusCode, retried.body).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('a grace-window replay racing a revocation', () => {
  it('hands out no access token for a session that ended while the answer was being made', async () => {
    let endDuringClaims: string | null = null;
    const t: TestServer = await startTestServer({
      customClaims: async ({ session }) => {
        // A logout lands while this replay's token is being made (the hook is the slow part).
        if (session.id === endDuringClaims) await t.server.sessions.revoke(session.id, { reason: 'logout' });
        return {};
      },
    });
    try {
      const { refreshToken, accessToken } = await t.signUp();
      expect((await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } })).statusCode).toBe(200);
      endDuringClaims = decodeJwt(accessToken).payload.sid as string;
      const replay = await t.request({ method: 'POST', url: '/auth/refresh', body: { refreshToken } });
      expect(replay.statusCode, replay.body).toBe(401);
      expect(replay.json().error.code).toBe('ERR_SESSION_REVOKED');
      expect(replay.body).not.toContain('accessToken');
    } finally {
      await t.close();
    }
  });
});
