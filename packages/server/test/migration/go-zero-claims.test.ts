import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArgon2Hasher } from '../../src/passwords/argon2-hasher.js';
import { problemsOf } from '../support/config-problems.js';
import { type GoZeroService, startGoZeroService } from '../support/go-zero-service.js';
import { signHmacJwt } from '../support/sign-token.js';
import {
  decodeJwt,
  loadTestConfig,
  startTestServer,
  TEST_ACCESS_SECRET,
  type TestServer,
} from '../support/test-server.js';

const PASSWORD = 'correct horse battery staple';
const SNOWFLAKE_A = '1234567890123456789';
const SNOWFLAKE_B = '1234567890123456790';

/** Puts a user with a given id straight into the store, as an import does. */
async function addUser(t: TestServer, id: string, username: string, role = 'user'): Promise<void> {
  const hasher = await createArgon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
  const now = t.clock.now();
  await t.server.users.create({
    id,
    username,
    usernameKey: username,
    passwordHash: await hasher.hash(PASSWORD),
    role,
    disabled: false,
    credentialVersion: 0,
    createdAt: now,
    updatedAt: now,
  });
}

async function userInfo(service: GoZeroService, token: string) {
  const res = await fetch(`${service.url}/user/info`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { userId: string; seen: unknown; role: unknown; keys: string[] };
}

describe('claims from configuration', () => {
  it('refuses an unknown user field and a reserved claim at start-up, naming the setting', () => {
    const problems = problemsOf(() =>
      loadTestConfig({ JWTGATE_AUTH_CLAIMS: 'uid=id,phone=phone,sub=username,exp=id' }),
    );
    expect(problems.filter((problem) => problem.startsWith('Auth.Claims'))).toEqual([
      'Auth.Claims: "phone" (for claim "phone") is not a user field; use one of id, username, role, createdAt, email, emailVerified, appMetadata, userMetadata, or appMetadata.<key> or userMetadata.<key>',
      'Auth.Claims: "sub" is a reserved claim that jwtgate sets itself; choose another name',
      'Auth.Claims: "exp" is a reserved claim that jwtgate sets itself; choose another name',
    ]);
  });

  it('refuses a malformed mapping, a go-zero userId mapped elsewhere, and int64 ids on a shared database without a node id', () => {
    expect(problemsOf(() => loadTestConfig({ JWTGATE_AUTH_CLAIMS: 'uid' }))[0]).toMatch(
      /^Auth\.Claims: expected a mapping/,
    );
    expect(
      problemsOf(() => loadTestConfig({ JWTGATE_AUTH_CLAIMS: 'userId=username', JWTGATE_AUTH_GO_ZERO: 'true' })),
    ).toEqual([
      'Auth.Claims: "userId" maps to "username", but Auth.GoZero puts the user id there; remove the entry or map it to id',
    ]);
    expect(
      problemsOf(() =>
        loadTestConfig({
          JWTGATE_AUTH_USER_ID_FORMAT: 'int64',
          JWTGATE_DATABASE_URL: 'postgres://db.internal/jwtgate',
        }),
      )[0],
    ).toMatch(/^Auth\.NodeId: required with Auth\.UserIdFormat: int64 on a shared database/);
    expect(loadTestConfig({ JWTGATE_AUTH_USER_ID_FORMAT: 'int64' }).auth.nodeId).toBe(0);
  });

  it('reads Auth.GoZero as Claims { userId: id } merged with the configured ones', () => {
    const config = loadTestConfig({ JWTGATE_AUTH_CLAIMS: 'uid=id,name=username', JWTGATE_AUTH_GO_ZERO: 'true' });
    expect(config.auth.claims).toEqual({ uid: 'id', name: 'username', userId: 'id' });
  });
});

describe('a go-zero service reading jwtgate tokens', () => {
  let service: GoZeroService;
  beforeAll(async () => {
    service = await startGoZeroService(TEST_ACCESS_SECRET);
  });
  afterAll(() => service.close());

  it('reads userId as a json.Number for an id within 2^53, and every configured claim from its context', async () => {
    const t = await startTestServer({
      env: { JWTGATE_AUTH_GO_ZERO: 'true', JWTGATE_AUTH_CLAIMS: 'uid=id,name=username' },
    });
    try {
      await addUser(t, '42', 'alice');
      const { accessToken } = await t.login('alice', PASSWORD);
      expect(decodeJwt(accessToken).payload).toMatchObject({ sub: '42', userId: 42, uid: 42, name: 'alice' });
      const info = await userInfo(service, accessToken);
      expect(info.userId).toBe('42');
      expect(info.seen).toEqual({ type: 'json.Number', literal: '42' });
      // Every claim but the registered ones reaches the context, the configured ones among them.
      expect(info.keys).toEqual(expect.arrayContaining(['name', 'role', 'sid', 'uid', 'userId']));
      expect(info.keys).not.toContain('sub');
    } finally {
      await t.close();
    }
  });

  it('keeps two snowflake ids beyond 2^53 apart: exact JSON integers with Auth.LargeIdsAsNumbers', async () => {
    const t = await startTestServer({
      env: { JWTGATE_AUTH_GO_ZERO: 'true', JWTGATE_AUTH_LARGE_IDS_AS_NUMBERS: 'true' },
    });
    try {
      await addUser(t, SNOWFLAKE_A, 'a');
      await addUser(t, SNOWFLAKE_B, 'b');
      const a = await t.login('a', PASSWORD);
      const b = await t.login('b', PASSWORD);
      // The payload's text carries the digits, not a float.
      const payloadText = (token: string) => Buffer.from(token.split('.')[1] ?? '', 'base64url').toString();
      expect(payloadText(a.accessToken)).toContain(`"userId":${SNOWFLAKE_A}`);
      expect(payloadText(b.accessToken)).toContain(`"userId":${SNOWFLAKE_B}`);
      expect((await userInfo(service, a.accessToken)).userId).toBe(SNOWFLAKE_A);
      expect((await userInfo(service, b.accessToken)).userId).toBe(SNOWFLAKE_B);
    } finally {
      await t.close();
    }
  });

  it('by default writes an id beyond 2^53 as its exact decimal string, never a rounded number', async () => {
    const t = await startTestServer({ env: { JWTGATE_AUTH_GO_ZERO: 'true' } });
    try {
      await addUser(t, SNOWFLAKE_A, 'a');
      const { accessToken } = await t.login('a', PASSWORD);
      expect(decodeJwt(accessToken).payload.userId).toBe(SNOWFLAKE_A);
      const info = await userInfo(service, accessToken);
      expect(info.seen).toEqual({ type: 'string', value: SNOWFLAKE_A });
      // What `.(json.Number).Int64()` gives for a string: the reason Auth.LargeIdsAsNumbers exists.
      expect(info.userId).toBe('0');
    } finally {
      await t.close();
    }
  });

  it('gives new users numeric ids with Auth.UserIdFormat: int64, which go-zero services read as numbers', async () => {
    const t = await startTestServer({ env: { JWTGATE_AUTH_GO_ZERO: 'true', JWTGATE_AUTH_USER_ID_FORMAT: 'int64' } });
    try {
      const first = await t.signUp();
      const second = await t.signUp();
      expect(first.userId).toMatch(/^[1-9][0-9]{5,15}$/);
      expect(second.userId).not.toBe(first.userId);
      expect((await userInfo(service, first.accessToken)).userId).toBe(first.userId);
    } finally {
      await t.close();
    }
  });
});

describe('tokens a go-zero user-api issued, in go-zero mode', () => {
  const goZeroToken = (payload: Record<string, unknown>, secret = TEST_ACCESS_SECRET) =>
    signHmacJwt({ alg: 'HS256', typ: 'JWT' }, payload, secret);

  it('are accepted on jwtgate routes until they expire, naming the imported user', async () => {
    const t = await startTestServer({ env: { JWTGATE_AUTH_GO_ZERO: 'true' } });
    try {
      await addUser(t, '7', 'bob');
      const iat = Math.floor(t.clock.now() / 1000);
      const token = goZeroToken({ userId: 7, role: 'user', iat, exp: iat + 86_400 });
      const me = await t.request({ method: 'GET', url: '/auth/me', token });
      expect(me.statusCode).toBe(200);
      expect(me.json().user.id).toBe('7');
      // go-zero clients send the bare token too.
      const bare = await t.request({ method: 'GET', url: '/auth/me', headers: { authorization: token } });
      expect(bare.statusCode).toBe(200);
      t.clock.advance(86_400_000 + 6_000);
      const late = await t.request({ method: 'GET', url: '/auth/me', token });
      expect(late.statusCode).toBe(401);
      expect(late.json().error.code).toBe('ERR_TOKEN_EXPIRED');
    } finally {
      await t.close();
    }
  });

  it('are refused without go-zero mode, with another secret, with a rounded id, and never reach administration', async () => {
    const plain = await startTestServer();
    const t = await startTestServer({ env: { JWTGATE_AUTH_GO_ZERO: 'true' } });
    try {
      await addUser(t, '8', 'carol', 'admin');
      const iat = Math.floor(t.clock.now() / 1000);
      const token = goZeroToken({ userId: 8, role: 'admin', iat, exp: iat + 600 });
      expect((await plain.request({ method: 'GET', url: '/auth/me', token })).statusCode).toBe(401);
      const forged = goZeroToken({ userId: 8, iat, exp: iat + 600 }, 'another-secret-of-the-same-length-0123456789');
      expect((await t.request({ method: 'GET', url: '/auth/me', token: forged })).json().error.code).toBe(
        'ERR_TOKEN_INVALID',
      );
      // JSON.parse reads 1234567890123456789 rounded; the token must name nobody rather than someone else.
      const rounded = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(
        `{"userId":${SNOWFLAKE_A},"iat":${iat},"exp":${iat + 600}}`,
      ).toString('base64url')}`;
      const { createHmac } = await import('node:crypto');
      const roundedToken = `${rounded}.${createHmac('sha256', TEST_ACCESS_SECRET).update(rounded).digest('base64url')}`;
      // The user a rounded reading would name, and the one the token means.
      await addUser(t, String(Number(SNOWFLAKE_A)), 'rounded');
      await addUser(t, SNOWFLAKE_A, 'meant');
      const answer = await t.request({ method: 'GET', url: '/auth/me', token: roundedToken });
      // Refused while the verifier parses numbers as floats; the exact user once it parses losslessly.
      if (answer.statusCode === 200) expect(answer.json().user.id).toBe(SNOWFLAKE_A);
      else expect(answer.json().error.code).toBe('ERR_TOKEN_INVALID');
      const admin = await t.request({ method: 'GET', url: '/admin/users', token });
      expect(admin.statusCode).toBe(403);
    } finally {
      await plain.close();
      await t.close();
    }
  });
});
