import { startJwtgateApp, startMiddlewareGuard } from './jwtgate-servers.js';
import type { RunningServer } from './listen.js';
import { startBareFastify, startExpress, startFastifyJwt, startSessionLookupDesign } from './peer-servers.js';

export type { RunningServer } from './listen.js';

/** The servers put under load. */
export const serverKinds = [
  'fastify',
  'guard-hs256',
  'guard-es256',
  'guard-eddsa',
  'fastify-jwt',
  'express',
  'express-jwt',
  'session-lookup',
  'jwtgate',
  'jwtgate-strict-sqlite',
  'jwtgate-strict-redis',
] as const;
export type ServerKind = (typeof serverKinds)[number];

/**
 * Starts one kind of server on 127.0.0.1 and a free port.
 *
 * @example
 * const server = await startServer('guard-hs256', 100_000);
 */
export function startServer(kind: ServerKind, revokedSessions: number): Promise<RunningServer> {
  switch (kind) {
    case 'fastify':
      return startBareFastify();
    case 'guard-hs256':
      return startMiddlewareGuard('HS256');
    case 'guard-es256':
      return startMiddlewareGuard('ES256');
    case 'guard-eddsa':
      return startMiddlewareGuard('EdDSA');
    case 'fastify-jwt':
      return startFastifyJwt();
    case 'express':
      return startExpress(false);
    case 'express-jwt':
      return startExpress(true);
    case 'session-lookup':
      return startSessionLookupDesign();
    case 'jwtgate':
      return startJwtgateApp(revokedSessions);
    case 'jwtgate-strict-sqlite':
      return startJwtgateApp(revokedSessions, { strict: true });
    case 'jwtgate-strict-redis':
      return startJwtgateApp(revokedSessions, { strict: true, redis: true });
  }
}
