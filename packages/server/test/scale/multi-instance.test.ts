import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { type Answer, call, login, register } from '../support/http-call.js';
import { deleteKeysWithPrefix } from '../support/redis-servers.js';
import { serviceUrl, uniqueName } from '../support/services.js';
import { type ServerProcess, startServerProcess, useProcessSandbox } from '../support/spawn-server.js';

const ACCESS_SECRET = 'multi-instance-access-secret-0123456789abcdefghij';
const REFRESH_SECRET = 'multi-instance-refresh-secret-0123456789abcdefghi';

/** Polls `/auth/me` with `token` until it is refused; resolves to how long that took after `since`. */
async function refusedAfter(
  server: ServerProcess,
  token: string,
  since: number,
): Promise<{ ms: number; last: Answer }> {
  for (;;) {
    const last = await call(server, 'GET', '/auth/me', { token });
    if (last.status !== 200) return { ms: performance.now() - since, last };
    if (performance.now() - since > 5_000) return { ms: Number.POSITIVE_INFINITY, last };
  }
}

const configured = serviceUrl('postgres') !== undefined && serviceUrl('redis') !== undefined;

(configured ? describe : describe.skip)('three jwtgate processes sharing PostgreSQL and Redis', () => {
  const dir = useProcessSandbox('jwtgate-scale-');
  let database: TestDatabase;
  const keyPrefix = `${uniqueName('jwtgate_t')}:`;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.drop();
    const redis = new Redis(serviceUrl('redis') as string);
    await deleteKeysWithPrefix(redis, keyPrefix);
    redis.disconnect();
  });

  /** Starts three instances at once (so they also race to migrate the fresh database). */
  function startThree(env: Record<string, string> = {}): Promise<ServerProcess[]> {
    return Promise.all(
      [1, 2, 3].map(() =>
        startServerProcess({
          cwd: dir.path,
          timeoutMs: 20_000,
          env: {
            NODE_ENV: 'production',
            JWTGATE_AUTH_ACCESS_SECRET: ACCESS_SECRET,
            JWTGATE_AUTH_REFRESH_SECRET: REFRESH_SECRET,
            JWTGATE_DATABASE_URL: database.url,
            JWTGATE_REDIS_URL: serviceUrl('redis') as string,
            JWTGATE_REDIS_KEY_PREFIX: keyPrefix,
            ...env,
          },
        }),
      ),
    );
  }

  it('logs in on the first, refreshes on the second, logs out on the third: all three refuse the token within 100 ms', async () => {
    const [first, second, third] = (await startThree()) as [ServerProcess, ServerProcess, ServerProcess];
    await register(first, 'alice');
    const initial = await login(first, 'alice');
    const rotated = await call(second, 'POST', '/auth/refresh', { body: { refreshToken: initial.refreshToken } });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const { accessToken, refreshToken } = rotated.body as { accessToken: string; refreshToken: string };
    for (const server of [first, second, third]) {
      expect((await call(server, 'GET', '/auth/me', { token: accessToken })).status).toBe(200);
    }

    const logout = await call(third, 'POST', '/auth/logout', { token: accessToken });
    const loggedOutAt = performance.now();
    expect(logout.body).toEqual({ revoked: 1 });

    const refusals = await Promise.all(
      [first, second, third].map((server) => refusedAfter(server, accessToken, loggedOutAt)),
    );
    for (const { ms, last } of refusals) {
      expect(last.body.error.code).toBe('ERR_TOKEN_REVOKED');
      expect(ms).toBeLessThanOrEqual(100);
    }
    // Every access token of the session is dead everywhere, and so is its refresh token.
    for (const server of [first, second, third]) {
      const older = await call(server, 'GET', '/auth/me', { token: initial.accessToken });
      expect(older.body.error.code).toBe('ERR_TOKEN_REVOKED');
    }
    const refresh = await call(first, 'POST', '/auth/refresh', { body: { refreshToken } });
    expect(refresh.body.error.code).toBe('ERR_SESSION_REVOKED');
  });

  it('gives 20 concurrent refreshes of one token across the three instances the same single successor', async () => {
    const servers = await startThree();
    await register(servers[0] as ServerProcess, 'bob');
    const { refreshToken } = await login(servers[0] as ServerProcess, 'bob');

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(servers[i % 3] as ServerProcess, 'POST', '/auth/refresh', { body: { refreshToken } }),
      ),
    );
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const successors = new Set(answers.map((a) => a.body.refreshToken as string));
    expect(successors.size).toBe(1);
    const [successor] = successors as Set<string>;

    // One session, moved on by one generation: the successor rotates once more, anywhere.
    const next = await call(servers[2] as ServerProcess, 'POST', '/auth/refresh', {
      body: { refreshToken: successor },
    });
    expect(next.status).toBe(200);
    const sessions = await call(servers[1] as ServerProcess, 'GET', '/auth/sessions', {
      token: next.body.accessToken,
    });
    expect(sessions.body.sessions).toHaveLength(1);
  });

  it('without a grace window lets exactly one of 20 concurrent refreshes through, and treats the rest as theft', async () => {
    const servers = await startThree({ JWTGATE_AUTH_REFRESH_GRACE: '0' });
    await register(servers[0] as ServerProcess, 'carol');
    const { refreshToken } = await login(servers[0] as ServerProcess, 'carol');

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(servers[i % 3] as ServerProcess, 'POST', '/auth/refresh', { body: { refreshToken } }),
      ),
    );
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).toHaveLength(1);
    for (const loser of answers.filter((a) => a.status !== 200)) {
      expect(['ERR_REFRESH_TOKEN_REUSED', 'ERR_SESSION_REVOKED']).toContain(loser.body.error.code);
    }
    // The replays revoked the session, so not even the one successor stays alive.
    const after = await call(servers[1] as ServerProcess, 'POST', '/auth/refresh', {
      body: { refreshToken: winners[0]?.body.refreshToken },
    });
    expect(after.body.error.code).toBe('ERR_SESSION_REVOKED');
  });
});
