import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import fastifyJwt from '@fastify/jwt';
import { accessTokenType, createJwtSigner, createSecretJwtKey, newSessionId } from '@jwtgate/core';
import type { Algorithm } from 'fast-jwt';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  BENCH_ACCESS_SECRET,
  BENCH_AUDIENCE,
  BENCH_ISSUER,
  BENCH_LEEWAY_SEC,
  startJwtgateFixture,
} from '../support/jwtgate-fixture.js';
import { seedRevocations } from '../support/seed-revocations.js';
import { HELLO_PATH, helloHandler, helloSchema, OPEN_PATH } from './hello-route.js';

/** The servers put under load. */
export const serverKinds = ['fastify', 'jwtgate', 'fastify-jwt', 'jwtgate-metrics'] as const;
export type ServerKind = (typeof serverKinds)[number];

/** A listening server and a token it accepts. */
export interface RunningServer {
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/**
 * An access token of the same shape and size as jwtgate's, signed with the
 * shared benchmark secret, for the servers that do not issue tokens.
 */
function signAccessToken(): string {
  const signer = createJwtSigner({ key: createSecretJwtKey({ secret: BENCH_ACCESS_SECRET }), typ: accessTokenType });
  const iat = Math.floor(Date.now() / 1000);
  return signer.sign({
    iss: BENCH_ISSUER,
    aud: BENCH_AUDIENCE,
    sub: randomUUID(),
    sid: newSessionId(),
    role: 'user',
    iat,
    exp: iat + 900,
    jti: randomUUID(),
  });
}

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/** Plain Fastify: the ceiling every other case is compared with. */
async function startBareFastify(): Promise<RunningServer> {
  const app = Fastify({ logger: false });
  app.get(HELLO_PATH, { schema: helloSchema }, helloHandler);
  return { port: await listen(app), token: signAccessToken(), close: () => app.close() };
}

/**
 * The real jwtgate server (`createJwtgateServer`, SQLite) with an embedder's
 * route behind the guard and its unguarded twin; the token comes from a real
 * login, and the revocation list holds `revokedSessions` other sessions.
 * With `metrics`, every request is also counted and timed (`Metrics.Enabled`).
 */
async function startJwtgate(revokedSessions: number, metrics = false): Promise<RunningServer> {
  const fixture = await startJwtgateFixture({
    metrics,
    addRoutes(app) {
      app.get(HELLO_PATH, { config: { auth: true }, schema: helloSchema }, helloHandler);
      app.get(OPEN_PATH, { schema: helloSchema }, helloHandler);
    },
  });
  try {
    const { accessToken } = await fixture.login();
    seedRevocations(fixture.server.sessions.revocations, revokedSessions, Date.now());
    await fixture.server.listen();
    const port = (fixture.server.app.server.address() as AddressInfo).port;
    return { port, token: accessToken, close: () => fixture.close() };
  } catch (error) {
    await fixture.close();
    throw error;
  }
}

/** Fastify with `@fastify/jwt` (fast-jwt underneath) and the same checks as jwtgate's guard. */
async function startFastifyJwt(): Promise<RunningServer> {
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
  return { port: await listen(app), token: signAccessToken(), close: () => app.close() };
}

/**
 * Starts one kind of server on 127.0.0.1 and a free port.
 *
 * @example
 * const server = await startServer('jwtgate', 100_000);
 */
export function startServer(kind: ServerKind, revokedSessions: number): Promise<RunningServer> {
  switch (kind) {
    case 'fastify':
      return startBareFastify();
    case 'jwtgate':
      return startJwtgate(revokedSessions);
    case 'fastify-jwt':
      return startFastifyJwt();
    case 'jwtgate-metrics':
      return startJwtgate(revokedSessions, true);
  }
}
