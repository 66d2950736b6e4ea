import { HELLO_PATH, OPEN_PATH } from './hello-route.js';
import type { ServerKind } from './servers.js';

/** One line of the HTTP tables. */
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

type CaseSpec = Omit<HttpCase, 'unguardedTwin' | 'path'> & { readonly path?: string; readonly twin?: ServerKind };

const specs: readonly CaseSpec[] = [
  { name: 'Fastify, no auth (the ceiling)', label: 'Fastify, no auth', kind: 'fastify', guarded: false },
  {
    name: 'Fastify, an onRequest hook that only reads the header (the floor of any guard)',
    label: 'empty onRequest hook',
    kind: 'fastify-empty-hook',
    guarded: false,
    twin: 'fastify',
  },
  {
    name: 'jwtgate guard, HS256, revocation feed (default)',
    label: 'jwtgate guard HS256',
    kind: 'guard-hs256',
    guarded: true,
    twin: 'fastify',
  },
  {
    name: 'jwtgate guard, HS256, cache off',
    label: 'jwtgate HS256, cache off',
    kind: 'guard-hs256-cache-off',
    guarded: true,
    twin: 'fastify',
  },
  {
    name: 'jwtgate guard, HS256, cache of 10,000',
    label: 'jwtgate HS256, cache 10k',
    kind: 'guard-hs256-cache-10k',
    guarded: true,
    twin: 'fastify',
  },
  {
    name: 'jwtgate guard, ES256, revocation feed',
    label: 'jwtgate guard ES256',
    kind: 'guard-es256',
    guarded: true,
    twin: 'fastify',
  },
  {
    name: 'jwtgate guard, EdDSA, revocation feed',
    label: 'jwtgate guard EdDSA',
    kind: 'guard-eddsa',
    guarded: true,
    twin: 'fastify',
  },
  {
    name: 'Floor: the HS256 signature only (createHmac + timingSafeEqual, no parsing)',
    label: 'floor: HMAC only',
    kind: 'floor-hs256-signature',
    guarded: true,
    twin: 'fastify',
  },
  {
    name: 'Floor: the HS256 signature, then the payload decoded and JSON.parse',
    label: 'floor: HMAC + JSON.parse',
    kind: 'floor-hs256-parse',
    guarded: true,
    twin: 'fastify',
  },
  {
    name: 'Floor: the ES256 signature only, crypto.verify on the loop',
    label: 'floor: ES256 verify, loop',
    kind: 'floor-es256-loop',
    guarded: true,
    twin: 'fastify',
  },
  {
    name: 'Floor: the ES256 signature only, crypto.verify on the thread pool',
    label: 'floor: ES256 verify, pool',
    kind: 'floor-es256-pool',
    guarded: true,
    twin: 'fastify',
  },
  {
    name: 'Floor: the EdDSA signature only, crypto.verify on the loop',
    label: 'floor: EdDSA verify, loop',
    kind: 'floor-eddsa-loop',
    guarded: true,
    twin: 'fastify',
  },
  {
    name: 'Floor: the EdDSA signature only, crypto.verify on the thread pool',
    label: 'floor: EdDSA verify, pool',
    kind: 'floor-eddsa-pool',
    guarded: true,
    twin: 'fastify',
  },
  {
    name: '@fastify/jwt, `request.jwtVerify()` in onRequest',
    label: '@fastify/jwt',
    kind: 'fastify-jwt',
    guarded: true,
    twin: 'fastify',
  },
  {
    name: '@fastify/jwt, fast-jwt cache of 10,000',
    label: '@fastify/jwt, cache 10k',
    kind: 'fastify-jwt-cache-10k',
    guarded: true,
    twin: 'fastify',
  },
  {
    name: 'jose `jwtVerify` in onRequest, HS256',
    label: 'jose HS256',
    kind: 'jose-hs256',
    guarded: true,
    twin: 'fastify',
  },
  {
    name: 'jose `jwtVerify` in onRequest, ES256',
    label: 'jose ES256',
    kind: 'jose-es256',
    guarded: true,
    twin: 'fastify',
  },
  {
    name: 'jose `jwtVerify` in onRequest, EdDSA',
    label: 'jose EdDSA',
    kind: 'jose-eddsa',
    guarded: true,
    twin: 'fastify',
  },
  { name: 'Express, no auth', label: 'Express, no auth', kind: 'express', guarded: false },
  { name: 'Express with express-jwt', label: 'express-jwt', kind: 'express-jwt', guarded: true, twin: 'express' },
  {
    name: 'jsonwebtoken, then a Redis GET of the session per request',
    label: 'verify + Redis GET',
    kind: 'session-lookup',
    guarded: true,
    twin: 'fastify',
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
    guarded: true,
    twin: 'jwtgate',
  },
  {
    name: 'jwtgate app, strict, SQLite lookup per request',
    label: 'jwtgate strict SQLite',
    kind: 'jwtgate-strict-sqlite',
    guarded: true,
    twin: 'jwtgate',
  },
  {
    name: 'jwtgate app, strict, Redis lookup per request',
    label: 'jwtgate strict Redis',
    kind: 'jwtgate-strict-redis',
    guarded: true,
    twin: 'jwtgate',
  },
];

/** The cases of `chosen`, each guarded route's unguarded twin pointing into `chosen`. */
function casesOf(chosen: readonly CaseSpec[]): HttpCase[] {
  const unguardedIndexOf = (kind: ServerKind): number => {
    const index = chosen.findIndex((spec) => spec.kind === kind && !spec.guarded);
    if (index === -1) throw new Error(`no unguarded case of ${kind}`);
    return index;
  };
  return chosen.map(({ twin, path, ...spec }) => ({
    ...spec,
    path: path ?? HELLO_PATH,
    ...(twin === undefined ? {} : { unguardedTwin: unguardedIndexOf(twin) }),
  }));
}

/** The bare route comes first: every ratio is taken against it. */
export const httpCases: readonly HttpCase[] = casesOf(specs);

/**
 * Only the cases of the given kinds (for a short run of a few servers), with
 * bare Fastify first and every chosen guarded route's unguarded twin added.
 *
 * @example
 * const cases = httpCasesOf(['guard-hs256', 'floor-hs256-signature']);
 */
export function httpCasesOf(kinds: readonly ServerKind[]): HttpCase[] {
  const wanted = new Set<ServerKind>(['fastify', ...kinds]);
  for (const spec of specs) if (wanted.has(spec.kind) && spec.twin !== undefined) wanted.add(spec.twin);
  return casesOf(specs.filter((spec) => wanted.has(spec.kind)));
}

/** How the requests of a slice choose their tokens. */
export const trafficMixes = ['distinct', 'hot', 'one'] as const;
export type TrafficMix = (typeof trafficMixes)[number];

/** How each mix is named in the tables. */
export const trafficMixLabels: Readonly<Record<TrafficMix, string>> = {
  distinct: 'distinct tokens (each user in turn)',
  hot: '90 % from 100 hot users',
  one: 'one token',
};

/** Users whose tokens make up 90 % of the hot mix. */
export const HOT_USERS = 100;

/**
 * The token of each request in turn, for a mix over `tokens` (one per user):
 * `distinct` sends every user's token in turn (round robin), `hot` sends
 * nine requests in ten from the first {@link HOT_USERS} users and the tenth
 * from the others in turn, `one` always the first token.
 *
 * @example
 * const next = tokenSequence(tokens, 'hot');
 * next(); // a token
 */
export function tokenSequence(tokens: readonly string[], mix: TrafficMix): () => string {
  if (tokens.length === 0) throw new Error('no tokens');
  if (mix === 'one') return () => tokens[0] as string;
  let request = 0;
  let hotUser = 0;
  let cold = 0;
  if (mix === 'distinct') {
    return () => {
      request = request + 1 === tokens.length ? 0 : request + 1;
      return tokens[request] as string;
    };
  }
  const hot = Math.min(HOT_USERS, tokens.length);
  const others = tokens.length - hot;
  return () => {
    request = request + 1 === 10 ? 0 : request + 1;
    if (request !== 0 || others === 0) {
      hotUser = hotUser + 1 === hot ? 0 : hotUser + 1;
      return tokens[hotUser] as string;
    }
    cold = cold + 1 === others ? 0 : cold + 1;
    return tokens[hot + cold] as string;
  };
}
