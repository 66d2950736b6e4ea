import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import fastifyJwt from '@fastify/jwt';
import { accessTokenType, generateJwtKey, type JwtKey, publicKeyOf } from '@jwtgate/core';
import express, { type ErrorRequestHandler } from 'express';
import { expressjwt } from 'express-jwt';
import type { Algorithm } from 'fast-jwt';
import Fastify from 'fastify';
import { jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { connectBenchRedis, deleteKeysUnder, uniqueRedisPrefix } from '../support/bench-redis.js';
import { benchSecretKey, signAccessTokens } from '../support/bench-tokens.js';
import { BENCH_ACCESS_SECRET, BENCH_AUDIENCE, BENCH_ISSUER, BENCH_LEEWAY_SEC } from '../support/jwtgate-fixture.js';
import { HELLO_BODY, HELLO_PATH, helloHandler, helloSchema, refusingHelloSchema } from './hello-route.js';
import { listenOnLoopback, type RunningServer } from './listen.js';

/** The checks every peer is given, in jsonwebtoken's terms (it has no `typ` check). */
const jsonwebtokenOptions = {
  algorithms: ['HS256'],
  issuer: BENCH_ISSUER,
  audience: BENCH_AUDIENCE,
  clockTolerance: BENCH_LEEWAY_SEC,
} satisfies jsonwebtoken.VerifyOptions;

/** The token of a `Bearer` Authorization header; throws without one, as the hand-written checks refuse. */
function bearerToken(header: string | undefined): string {
  if (header?.startsWith('Bearer ') !== true) throw new Error('no token');
  return header.slice(7);
}

const tokensFor = (users: number, key?: JwtKey) => signAccessTokens(users, key).map(({ token }) => token);

/**
 * Plain Fastify: the ceiling every other case is compared with.
 *
 * @example
 * const server = await startBareFastify(10_000);
 */
export async function startBareFastify(users: number): Promise<RunningServer> {
  const app = Fastify({ logger: false });
  app.get(HELLO_PATH, { schema: helloSchema }, helloHandler);
  return { port: await listenOnLoopback(app), tokens: tokensFor(users), close: () => app.close() };
}

/**
 * Plain Fastify with an `onRequest` hook that only reads the Authorization
 * header and checks its scheme: the floor of any guard, what no check of a
 * token can beat.
 *
 * @example
 * const server = await startFastifyEmptyHook(10_000);
 */
export async function startFastifyEmptyHook(users: number): Promise<RunningServer> {
  const app = Fastify({ logger: false });
  app.addHook('onRequest', (request, reply, done) => {
    if (request.headers.authorization === undefined) {
      reply.code(401).send({ error: { code: 'ERR_TOKEN_MISSING' } });
      return;
    }
    done();
  });
  app.get(HELLO_PATH, { schema: refusingHelloSchema }, helloHandler);
  return { port: await listenOnLoopback(app), tokens: tokensFor(users), close: () => app.close() };
}

/**
 * Fastify with `@fastify/jwt` (fast-jwt underneath) and the same checks as
 * jwtgate's guard: its default (no cache), or fast-jwt's cache of `cache`
 * verified tokens.
 *
 * @example
 * const server = await startFastifyJwt(10_000, 10_000);
 */
export async function startFastifyJwt(users: number, cache = 0): Promise<RunningServer> {
  const app = Fastify({ logger: false });
  await app.register(fastifyJwt, {
    secret: BENCH_ACCESS_SECRET,
    verify: {
      algorithms: ['HS256'] satisfies Algorithm[],
      allowedIss: BENCH_ISSUER,
      allowedAud: BENCH_AUDIENCE,
      checkTyp: accessTokenType,
      requiredClaims: ['sub', 'sid', 'role', 'jti', 'iat', 'exp'],
      clockTolerance: BENCH_LEEWAY_SEC * 1000,
      ...(cache > 0 ? { cache } : {}),
    },
  });
  app.get(
    HELLO_PATH,
    {
      schema: helloSchema,
      onRequest: async (request) => {
        await request.jwtVerify();
      },
    },
    helloHandler,
  );
  return { port: await listenOnLoopback(app), tokens: tokensFor(users), close: () => app.close() };
}

/**
 * Fastify with jose's `jwtVerify` in an `onRequest` hook (jose has no cache):
 * HS256 with the shared secret, or a fresh ES256 or EdDSA key pair whose
 * public half is all the service holds, as a `KeyObject` (its fastest form).
 *
 * @example
 * const server = await startJoseGuard(10_000, 'EdDSA');
 */
export async function startJoseGuard(users: number, alg: 'HS256' | 'ES256' | 'EdDSA'): Promise<RunningServer> {
  const signingKey = alg === 'HS256' ? benchSecretKey : generateJwtKey(alg);
  const verifyKey = alg === 'HS256' ? benchSecretKey.key : publicKeyOf(signingKey.key);
  const options = {
    algorithms: [alg],
    issuer: BENCH_ISSUER,
    audience: BENCH_AUDIENCE,
    typ: accessTokenType,
    requiredClaims: ['sub', 'sid', 'role', 'jti', 'iat', 'exp'],
    clockTolerance: BENCH_LEEWAY_SEC,
  };
  const app = Fastify({ logger: false });
  app.get(
    HELLO_PATH,
    {
      schema: refusingHelloSchema,
      onRequest: async (request, reply) => {
        try {
          await jwtVerify(bearerToken(request.headers.authorization), verifyKey, options);
        } catch {
          return reply.code(401).send({ error: { code: 'ERR_TOKEN_INVALID' } });
        }
      },
    },
    helloHandler,
  );
  return { port: await listenOnLoopback(app), tokens: tokensFor(users, signingKey), close: () => app.close() };
}

/**
 * Express 5, with `express-jwt` in front of the route when `withJwt`
 * (jsonwebtoken underneath, the secret as a KeyObject: its fastest form).
 *
 * @example
 * const server = await startExpress(10_000, true);
 */
export async function startExpress(users: number, withJwt: boolean): Promise<RunningServer> {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const send: express.RequestHandler = (_request, response) => {
    response.json(HELLO_BODY);
  };
  if (withJwt) {
    app.get(HELLO_PATH, expressjwt({ secret: benchSecretKey.key, ...jsonwebtokenOptions }), send);
  } else {
    app.get(HELLO_PATH, send);
  }
  // express-jwt passes a refused token on as an error with its status (401).
  const onError: ErrorRequestHandler = (error: { status?: number }, _request, response, _next) => {
    response.status(error.status ?? 500).json({ error: { code: 'ERR_TOKEN_INVALID' } });
  };
  app.use(onError);
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  server.keepAliveTimeout = 60_000;
  return {
    port: (server.address() as AddressInfo).port,
    tokens: tokensFor(users),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * The design jwtgate replaces: verify the JWT (jsonwebtoken with a KeyObject
 * secret, what such a service would write), then look its session id up in
 * Redis on every request (one GET), so that a logout takes effect at once.
 * Every user's session is in Redis.
 *
 * @example
 * const server = await startSessionLookupDesign(10_000);
 */
export async function startSessionLookupDesign(users: number): Promise<RunningServer> {
  const redis = connectBenchRedis();
  const prefix = uniqueRedisPrefix('seeds');
  const signed = signAccessTokens(users);
  try {
    const pipeline = redis.pipeline();
    for (const { sid } of signed) pipeline.set(`${prefix}session:${sid}`, '1', 'EX', 3600);
    await pipeline.exec();
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  const app = Fastify({ logger: false });
  app.get(
    HELLO_PATH,
    {
      schema: refusingHelloSchema,
      onRequest: async (request, reply) => {
        let claims: jsonwebtoken.JwtPayload | string;
        try {
          claims = jsonwebtoken.verify(
            bearerToken(request.headers.authorization),
            benchSecretKey.key,
            jsonwebtokenOptions,
          );
        } catch {
          return reply.code(401).send({ error: { code: 'ERR_TOKEN_INVALID' } });
        }
        const session = typeof claims === 'string' ? null : await redis.get(`${prefix}session:${String(claims.sid)}`);
        if (session === null) return reply.code(401).send({ error: { code: 'ERR_TOKEN_REVOKED' } });
      },
    },
    helloHandler,
  );
  try {
    return {
      port: await listenOnLoopback(app),
      tokens: signed.map(({ token }) => token),
      async close() {
        await app.close();
        await deleteKeysUnder(redis, prefix);
        redis.disconnect();
      },
    };
  } catch (error) {
    await deleteKeysUnder(redis, prefix);
    redis.disconnect();
    throw error;
  }
}
