import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createVerifier } from '@jwtgate/middleware';
import bcryptjs from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importUsers } from '../../src/import/import-users.js';
import { openJsonLinesSource } from '../../src/import/jsonl-source.js';
import { type GoZeroService, startGoZeroService } from '../support/go-zero-service.js';
import { signHmacJwt } from '../support/sign-token.js';
import { makeTempDir } from '../support/temp-dir.js';
import { startTestServer, TEST_ACCESS_SECRET } from '../support/test-server.js';

/**
 * docs/migrating-from-go-zero.md, step by step: the old user-api and its
 * services share `AccessSecret`; jwtgate takes it over with `Auth.GoZero`,
 * imports the users with their bcrypt hashes, and takes the logins. Tokens
 * issued before the switch keep working until they expire, everywhere.
 */
describe('the cut-over from a go-zero user-api, as docs/migrating-from-go-zero.md walks through it', () => {
  let service: GoZeroService;
  beforeAll(async () => {
    service = await startGoZeroService(TEST_ACCESS_SECRET);
  });
  afterAll(() => service.close());

  it('keeps everyone logged in: old tokens accepted, then new ones, in jwtgate, the middleware and the go-zero service', async () => {
    const dir = makeTempDir('jwtgate-cut-over-');
    // Step 1: jwtgate with the old AccessSecret and go-zero mode (the test server's secret plays the old one).
    const t = await startTestServer({ env: { JWTGATE_AUTH_GO_ZERO: 'true' } });
    try {
      const now = Math.floor(t.clock.now() / 1000);
      // Before the switch, the old user-api issued this token to alice (jwtx.GenerateToken: userId, role, iat, exp).
      const oldToken = signHmacJwt(
        { alg: 'HS256', typ: 'JWT' },
        { userId: 42, role: 'user', iat: now - 600, exp: now + 86_400 - 600 },
        TEST_ACCESS_SECRET,
      );
      const info = async (token: string) =>
        (await (await fetch(`${service.url}/user/info`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
          userId: string;
        };
      expect((await info(oldToken)).userId).toBe('42');

      // Step 2: import the users with their bcrypt hashes (the user-api's table, exported).
      const path = join(dir.path, 'users.jsonl');
      const hash = bcryptjs.hashSync('alice password 1', 10);
      writeFileSync(path, `${JSON.stringify({ id: 42, username: 'alice', role: 'user', password_hash: hash })}\n`);
      const summary = await importUsers({
        db: t.server.database.db,
        source: openJsonLinesSource(path),
        now: () => t.clock.now(),
        onRejected: () => {},
      });
      expect(summary.inserted).toBe(1);

      // Step 3: the switch. The old token still opens jwtgate's routes, the services verifying with
      // @jwtgate/middleware in go-zero mode, and the unchanged go-zero service.
      const middleware = createVerifier({
        algorithms: ['HS256'],
        secret: TEST_ACCESS_SECRET,
        issuer: t.server.config.auth.issuer,
        audience: [...t.server.config.auth.audience],
        goZero: true,
        clock: t.clock,
      });
      const me = await t.request({ method: 'GET', url: '/auth/me', token: oldToken });
      expect(me.statusCode).toBe(200);
      expect(me.json().user.id).toBe('42');
      expect(await middleware.verify(oldToken)).toMatchObject({ userId: 42 });
      expect((await info(oldToken)).userId).toBe('42');

      // Step 4: alice logs in at jwtgate with her old password; the new token works everywhere too.
      const { accessToken } = await t.login('alice', 'alice password 1');
      expect((await info(accessToken)).userId).toBe('42');
      expect(await middleware.verify(accessToken)).toMatchObject({ sub: '42', userId: 42 });
      expect((await t.request({ method: 'GET', url: '/auth/me', token: accessToken })).statusCode).toBe(200);
      expect((await t.server.users.findById('42'))?.passwordHash).toMatch(/^\$argon2id\$/);

      // Step 5: once the old AccessExpire has passed, only jwtgate's tokens remain; the old one ends as it would have.
      t.clock.advance(86_400_000);
      expect((await t.request({ method: 'GET', url: '/auth/me', token: oldToken })).statusCode).toBe(401);
    } finally {
      await t.close();
      dir.remove();
    }
  });
});
