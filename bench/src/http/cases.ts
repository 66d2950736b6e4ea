import { HELLO_PATH, OPEN_PATH } from './hello-route.js';
import type { ServerKind } from './servers.js';

/** One line of the HTTP table. */
export interface HttpCase {
  readonly name: string;
  readonly kind: ServerKind;
  readonly path: string;
  /** Whether the route must refuse a request without a valid token. */
  readonly guarded: boolean;
  /**
   * For a guarded route, the index of the same server's route without
   * authentication: their ratio is what the check itself costs.
   */
  readonly unguardedTwin?: number;
}

/** The bare route comes first: every ratio is taken against it. */
export const httpCases: readonly HttpCase[] = [
  { name: 'Fastify, no auth (the ceiling)', kind: 'fastify', path: HELLO_PATH, guarded: false },
  { name: 'jwtgate app, unguarded route', kind: 'jwtgate', path: OPEN_PATH, guarded: false },
  {
    name: 'jwtgate guard, `config: { auth: true }`',
    kind: 'jwtgate',
    path: HELLO_PATH,
    guarded: true,
    unguardedTwin: 1,
  },
  {
    name: '@fastify/jwt, `request.jwtVerify()` in onRequest',
    kind: 'fastify-jwt',
    path: HELLO_PATH,
    guarded: true,
    unguardedTwin: 0,
  },
  // Last, so that the rows above keep their places; compared with rows 1 and 2, they show what metrics cost.
  { name: 'jwtgate app, unguarded route, metrics on', kind: 'jwtgate-metrics', path: OPEN_PATH, guarded: false },
  {
    name: 'jwtgate guard, metrics on',
    kind: 'jwtgate-metrics',
    path: HELLO_PATH,
    guarded: true,
    unguardedTwin: 4,
  },
];
