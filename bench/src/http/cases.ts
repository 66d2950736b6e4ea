import { HELLO_PATH, OPEN_PATH } from './hello-route.js';
import type { ServerKind } from './servers.js';

/** One line of the HTTP table. */
export interface HttpCase {
  readonly name: string;
  /** A short label for the chart. */
  readonly label: string;
  readonly kind: ServerKind;
  readonly path: string;
  /** Whether the route must refuse a request without a valid token. */
  readonly guarded: boolean;
  /**
   * For a guarded route, the index of the same framework's route without
   * authentication: their ratio is what the check itself costs.
   */
  readonly unguardedTwin?: number;
}

/** The bare route comes first: every ratio is taken against it. */
export const httpCases: readonly HttpCase[] = [
  {
    name: 'Fastify, no auth (the ceiling)',
    label: 'Fastify, no auth',
    kind: 'fastify',
    path: HELLO_PATH,
    guarded: false,
  },
  {
    name: 'jwtgate guard, HS256, revocation feed (default)',
    label: 'jwtgate guard HS256',
    kind: 'guard-hs256',
    path: HELLO_PATH,
    guarded: true,
    unguardedTwin: 0,
  },
  {
    name: 'jwtgate guard, ES256, revocation feed',
    label: 'jwtgate guard ES256',
    kind: 'guard-es256',
    path: HELLO_PATH,
    guarded: true,
    unguardedTwin: 0,
  },
  {
    name: 'jwtgate guard, EdDSA, revocation feed',
    label: 'jwtgate guard EdDSA',
    kind: 'guard-eddsa',
    path: HELLO_PATH,
    guarded: true,
    unguardedTwin: 0,
  },
  {
    name: '@fastify/jwt, `request.jwtVerify()` in onRequest',
    label: '@fastify/jwt',
    kind: 'fastify-jwt',
    path: HELLO_PATH,
    guarded: true,
    unguardedTwin: 0,
  },
  { name: 'Express, no auth', label: 'Express, no auth', kind: 'express', path: HELLO_PATH, guarded: false },
  {
    name: 'Express with express-jwt',
    label: 'express-jwt',
    kind: 'express-jwt',
    path: HELLO_PATH,
    guarded: true,
    unguardedTwin: 5,
  },
  {
    name: 'jsonwebtoken, then a Redis GET of the session per request',
    label: 'verify + Redis GET',
    kind: 'session-lookup',
    path: HELLO_PATH,
    guarded: true,
    unguardedTwin: 0,
  },
  {
    name: 'jwtgate app, unguarded route',
    label: 'jwtgate app, open',
    kind: 'jwtgate',
    path: OPEN_PATH,
    guarded: false,
  },
  {
    name: 'jwtgate app, `config: { auth: true }`',
    label: 'jwtgate app, guard',
    kind: 'jwtgate',
    path: HELLO_PATH,
    guarded: true,
    unguardedTwin: 8,
  },
  {
    name: 'jwtgate app, strict, SQLite lookup per request',
    label: 'jwtgate strict SQLite',
    kind: 'jwtgate-strict-sqlite',
    path: HELLO_PATH,
    guarded: true,
    unguardedTwin: 8,
  },
  {
    name: 'jwtgate app, strict, Redis lookup per request',
    label: 'jwtgate strict Redis',
    kind: 'jwtgate-strict-redis',
    path: HELLO_PATH,
    guarded: true,
    unguardedTwin: 8,
  },
];
