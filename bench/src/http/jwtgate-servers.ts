import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { generateJwtKey, type JwtKey, newSessionId, publicKeyOf, revokedSessionsKey } from '@jwtgate/core';
import { createRevocationFeed, type VerifierOptions } from '@jwtgate/middleware';
import Fastify, { type FastifyPluginCallback } from 'fastify';
import type { Redis } from 'ioredis';
import { benchRedisUrl, connectBenchRedis, deleteKeysUnder, uniqueRedisPrefix } from '../support/bench-redis.js';
import { benchSecretKey, signAccessTokens } from '../support/bench-tokens.js';
import {
  BENCH_ACCESS_SECRET,
  BENCH_AUDIENCE,
  BENCH_ISSUER,
  BENCH_LEEWAY_SEC,
  BENCH_USERNAME,
  startJwtgateFixture,
} from '../support/jwtgate-fixture.js';
import { seedRevocations } from '../support/seed-revocations.js';
import { HELLO_PATH, helloHandler, helloSchema, OPEN_PATH } from './hello-route.js';
import { listenOnLoopback, type RunningServer } from './listen.js';

/** How long a revoked session is remembered: the server's default access lifetime plus its leeway. */
const RETENTION_SEC = 900 + BENCH_LEEWAY_SEC;

/**
 * `@jwtgate/middleware/fastify`, loaded by a specifier the compiler does not
 * follow: its `declare module 'fastify'` types `request.auth` for any
 * issuer's claims and the server's guard (imported by the other cases of this
 * program) types it for jwtgate's own, and one program cannot hold both. At
 * run time this is the very plugin a user registers.
 */
async function loadFastifyPlugin(): Promise<FastifyPluginCallback<VerifierOptions>> {
  const specifier = '@jwtgate/middleware/fastify';
  const module = (await import(specifier)) as { jwtgateAuth: FastifyPluginCallback<VerifierOptions> };
  return module.jwtgateAuth;
}

/**
 * jwtgate's guard as a user adds it to a plain Fastify app, the way
 * `@fastify/jwt` is: `@jwtgate/middleware`'s plugin with the revocation
 * feed on (so a logout anywhere is refused here at once, with no store round
 * trip per request), the route opting in with `config: { auth: true }`.
 * The feed starts by reading `revokedSessions` revocations from Redis, as an
 * instance of a busy deployment does, so every request's revocation lookup
 * is one in a list of that size. HS256 with the shared secret, or a fresh ES256 or EdDSA key pair whose
 * public half is all the service gets; the cache of verified tokens at its
 * default unless `verifiedTokenCacheSize` is given.
 *
 * @example
 * const server = await startMiddlewareGuard(10_000, 100_000, 'EdDSA');
 */
export async function startMiddlewareGuard(
  users: number,
  revokedSessions: number,
  alg: 'HS256' | 'ES256' | 'EdDSA',
  verifiedTokenCacheSize?: number,
): Promise<RunningServer> {
  const signingKey: JwtKey = alg === 'HS256' ? benchSecretKey : generateJwtKey(alg);
  const subscriber = connectBenchRedis();
  const client = connectBenchRedis();
  const prefix = uniqueRedisPrefix('feed');
  const app = Fastify({ logger: false });
  const disconnect = () => {
    subscriber.disconnect();
    client.disconnect();
  };
  let feed: ReturnType<typeof createRevocationFeed> | undefined;
  try {
    await seedRevocationLog(client, prefix, revokedSessions);
    feed = createRevocationFeed({ subscriber, client, prefix, retentionSec: RETENTION_SEC });
    await feed.ready;
    if (feed.size !== revokedSessions) {
      throw new Error(`the revocation feed loaded ${feed.size} of ${revokedSessions} revoked sessions`);
    }
    const keys: Partial<VerifierOptions> =
      alg === 'HS256'
        ? { secret: BENCH_ACCESS_SECRET }
        : { publicKeys: [{ key: publicKeyOf(signingKey.key), kid: signingKey.kid, alg }] };
    await app.register(await loadFastifyPlugin(), {
      ...keys,
      algorithms: [alg],
      issuer: BENCH_ISSUER,
      audience: BENCH_AUDIENCE,
      clockToleranceSec: BENCH_LEEWAY_SEC,
      revocations: feed,
      ...(verifiedTokenCacheSize === undefined ? {} : { verifiedTokenCacheSize }),
    });
    app.get(HELLO_PATH, { config: { auth: true }, schema: helloSchema }, helloHandler);
    const port = await listenOnLoopback(app);
    const running = feed;
    return {
      port,
      tokens: signAccessTokens(users, signingKey).map(({ token }) => token),
      async close() {
        await running.close();
        await app.close();
        await deleteKeysUnder(client, prefix);
        disconnect();
      },
    };
  } catch (error) {
    await feed?.close();
    await app.close();
    await deleteKeysUnder(client, prefix).catch(() => {});
    disconnect();
    throw error;
  }
}

/** Writes `count` revocations of other sessions into the log a feed under `prefix` reads at start. */
async function seedRevocationLog(client: Redis, prefix: string, count: number): Promise<void> {
  const key = revokedSessionsKey(prefix);
  const now = Date.now();
  for (let done = 0; done < count; done += 5_000) {
    const members: (string | number)[] = [];
    for (let i = done; i < Math.min(count, done + 5_000); i += 1) members.push(now, newSessionId());
    await client.zadd(key, ...members);
  }
}

/** How the whole jwtgate server is set up for one case. */
export interface JwtgateAppMode {
  /** `Revocation.Strict`: a session store lookup on every guarded request. */
  readonly strict?: boolean;
  /** Sessions in Redis (a unique key prefix, deleted on close) instead of SQLite. */
  readonly redis?: boolean;
}

/**
 * The real jwtgate server (`createJwtgateServer`, SQLite) with an embedder's
 * route behind the guard and its unguarded twin; one real login, then a
 * session per user (the bench user's, issued by the server's own session
 * manager, so strict mode finds each in its store), and the revocation list
 * holds `revokedSessions` other sessions.
 *
 * @example
 * const server = await startJwtgateApp(10_000, 100_000, { strict: true, redis: true });
 */
export async function startJwtgateApp(
  users: number,
  revokedSessions: number,
  mode: JwtgateAppMode = {},
): Promise<RunningServer> {
  const prefix = mode.redis === true ? uniqueRedisPrefix('app') : undefined;
  const fixture = await startJwtgateFixture({
    env: {
      ...(mode.strict === true ? { JWTGATE_REVOCATION_STRICT: 'true' } : {}),
      ...(prefix === undefined ? {} : { JWTGATE_REDIS_URL: benchRedisUrl, JWTGATE_REDIS_KEY_PREFIX: prefix }),
    },
    addRoutes(app) {
      app.get(HELLO_PATH, { config: { auth: true }, schema: helloSchema }, helloHandler);
      app.get(OPEN_PATH, { schema: helloSchema }, helloHandler);
    },
  });
  const close = async () => {
    await fixture.close();
    if (prefix === undefined) return;
    const redis = connectBenchRedis();
    try {
      await deleteKeysUnder(redis, prefix);
    } finally {
      redis.disconnect();
    }
  };
  try {
    const { accessToken } = await fixture.login();
    const registered = await fixture.server.users.findByUsernameKey(BENCH_USERNAME);
    if (registered === null) throw new Error('the benchmark user was not registered');
    const tokens = [accessToken];
    // One user per token, each with one session: a store's work per new session may grow with the
    // sessions its user already has, and 10,000 users are what the other cases stand for.
    while (tokens.length < users) {
      const name = `bench-user-${tokens.length}`;
      const user = { ...registered, id: randomUUID(), username: name, usernameKey: name };
      await fixture.server.users.create(user);
      tokens.push((await fixture.server.sessions.issue({ user })).accessToken);
    }
    seedRevocations(fixture.server.sessions.revocations, revokedSessions, Date.now());
    await fixture.server.listen();
    const port = (fixture.server.app.server.address() as AddressInfo).port;
    return { port, tokens, close };
  } catch (error) {
    await close();
    throw error;
  }
}
