import type { BenchProfile } from '../support/profile.js';
import { startHmacFloor, startSignatureFloor } from './floor-servers.js';
import { startJwtgateApp, startMiddlewareGuard } from './jwtgate-servers.js';
import type { RunningServer } from './listen.js';
import {
  startBareFastify,
  startExpress,
  startFastifyEmptyHook,
  startFastifyJwt,
  startJoseGuard,
  startSessionLookupDesign,
} from './peer-servers.js';

export type { RunningServer } from './listen.js';

/** The servers put under load. */
export const serverKinds = [
  'fastify',
  'fastify-empty-hook',
  'guard-hs256',
  'guard-hs256-cache-off',
  'guard-hs256-cache-10k',
  'guard-es256',
  'guard-eddsa',
  'floor-hs256-signature',
  'floor-hs256-parse',
  'floor-es256-loop',
  'floor-es256-pool',
  'floor-eddsa-loop',
  'floor-eddsa-pool',
  'fastify-jwt',
  'fastify-jwt-cache-10k',
  'jose-hs256',
  'jose-es256',
  'jose-eddsa',
  'express',
  'express-jwt',
  'session-lookup',
  'jwtgate',
  'jwtgate-strict-sqlite',
  'jwtgate-strict-redis',
] as const;
export type ServerKind = (typeof serverKinds)[number];

/** The cache size the "best cache setting" cases use: one entry per user of the benchmark. */
export const LARGE_CACHE = 10_000;

/**
 * Starts one kind of server on 127.0.0.1 and a free port, with a token for
 * each of the profile's users.
 *
 * @example
 * const server = await startServer('guard-hs256', benchProfile('full'));
 */
export function startServer(kind: ServerKind, profile: BenchProfile): Promise<RunningServer> {
  const users = profile.http.users;
  switch (kind) {
    case 'fastify':
      return startBareFastify(users);
    case 'fastify-empty-hook':
      return startFastifyEmptyHook(users);
    case 'guard-hs256':
      return startMiddlewareGuard(users, profile.revokedSessions, 'HS256');
    case 'guard-hs256-cache-off':
      return startMiddlewareGuard(users, profile.revokedSessions, 'HS256', 0);
    case 'guard-hs256-cache-10k':
      return startMiddlewareGuard(users, profile.revokedSessions, 'HS256', LARGE_CACHE);
    case 'guard-es256':
      return startMiddlewareGuard(users, profile.revokedSessions, 'ES256');
    case 'guard-eddsa':
      return startMiddlewareGuard(users, profile.revokedSessions, 'EdDSA');
    case 'floor-hs256-signature':
      return startHmacFloor(users, false);
    case 'floor-hs256-parse':
      return startHmacFloor(users, true);
    case 'floor-es256-loop':
      return startSignatureFloor(users, 'ES256', false);
    case 'floor-es256-pool':
      return startSignatureFloor(users, 'ES256', true);
    case 'floor-eddsa-loop':
      return startSignatureFloor(users, 'EdDSA', false);
    case 'floor-eddsa-pool':
      return startSignatureFloor(users, 'EdDSA', true);
    case 'fastify-jwt':
      return startFastifyJwt(users);
    case 'fastify-jwt-cache-10k':
      return startFastifyJwt(users, LARGE_CACHE);
    case 'jose-hs256':
      return startJoseGuard(users, 'HS256');
    case 'jose-es256':
      return startJoseGuard(users, 'ES256');
    case 'jose-eddsa':
      return startJoseGuard(users, 'EdDSA');
    case 'express':
      return startExpress(users, false);
    case 'express-jwt':
      return startExpress(users, true);
    case 'session-lookup':
      return startSessionLookupDesign(users);
    case 'jwtgate':
      return startJwtgateApp(users, profile.revokedSessions);
    case 'jwtgate-strict-sqlite':
      return startJwtgateApp(users, profile.revokedSessions, { strict: true });
    case 'jwtgate-strict-redis':
      return startJwtgateApp(users, profile.revokedSessions, { strict: true, redis: true });
  }
}
