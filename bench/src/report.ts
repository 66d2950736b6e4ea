import { REVOCATION_SLICE } from '@jwtgate/core';
import { type TrafficMix, trafficMixes, trafficMixLabels } from './http/cases.js';
import type { HttpResult, HttpRow } from './http/http-result.js';
import type { ServerKind } from './http/servers.js';
import type { LoginResult, LoginRow, PeerLoginResult, PeerLoginRow } from './login/login-result.js';
import type { MemoryResult } from './memory/memory-result.js';
import type { MicroResult, MicroRow } from './micro/micro-result.js';
import type { PropagationResult } from './propagation/propagation-result.js';
import type { RedisMemoryResult } from './redis-memory/redis-memory-result.js';
import type { RotationResult } from './rotation/rotation-result.js';
import type { MachineDescription } from './support/machine.js';
import type { BenchProfile } from './support/profile.js';
import { median } from './support/stats.js';

/** Everything one run measured. */
export interface BenchResults {
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly profile: BenchProfile;
  readonly machine: MachineDescription;
  readonly micro: MicroResult;
  readonly http: HttpResult;
  readonly rotation: RotationResult;
  readonly memory: MemoryResult;
  readonly login: LoginResult;
  readonly redisMemory: RedisMemoryResult;
  readonly propagation: PropagationResult;
}

/** The chart of HTTP ratios, written next to the results. */
export const CHART_FILE = 'http-ratios.svg';
/** The default guard's target share of bare Fastify (HS256, distinct tokens). */
export const GUARD_TARGET = 0.85;
/** The guard's target share with ES256 or EdDSA keys. */
const ASYMMETRIC_TARGET = 0.7;
/** The guard against a JWT verify plus a Redis GET per request. */
const LOOKUP_TARGET = 2;
/** Refresh latency at 50 in flight, p99, on SQLite and Redis. */
const REFRESH_P99_TARGET_MS = 50;
/** Refreshes per second on Redis at 50 in flight. */
const REDIS_REFRESH_TARGET = 3_000;
/** The longest event-loop stall allowed while a start-up loads revocations. */
const LOAD_STALL_TARGET_MS = 50;
/** `/healthz` and a guarded route during a login flood, p99. */
const LOGIN_FLOOD_P99_TARGET_MS = 50;
/** Logout on one instance to refusal on another, p99. */
const PROPAGATION_TARGET_MS = 100;

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const signed = new Intl.NumberFormat('en', {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
  signDisplay: 'always',
});

function ratio(value: number): string {
  return value >= 10 ? integer.format(value) : value.toFixed(2);
}

function percent(value: number): string {
  return `${integer.format(value * 100)} %`;
}

function table(header: readonly string[], align: readonly ('l' | 'r')[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(align.map((a) => (a === 'r' ? '---:' : '---'))), ...rows.map(line)].join('\n');
}

function find<T extends { name: string }>(rows: readonly T[], prefix: string): T {
  // An exact name first: 'jwtgate createJwtVerifier' must not find its ', cache off' sibling.
  const row = rows.find((r) => r.name === prefix) ?? rows.find((r) => r.name.startsWith(prefix));
  if (row === undefined) throw new Error(`no result row named ${prefix}`);
  return row;
}

function microTable(rows: readonly MicroRow[], withRules: boolean): string {
  const baseline = (rows[0] as MicroRow).timing.medianNs;
  const header = [
    'Implementation',
    ...(withRules ? ['Refuses'] : []),
    'ns/call',
    'fastest round',
    '× jwtgate time',
    'Set up',
  ];
  const align = ['l', ...(withRules ? ['l'] : []), 'r', 'r', 'r', 'l'] as ('l' | 'r')[];
  return table(
    header,
    align,
    rows.map((row) => [
      `\`${row.name}\``,
      ...(withRules ? [(row.rules ?? []).join(', ')] : []),
      integer.format(row.timing.medianNs),
      integer.format(row.timing.minNs),
      ratio(row.timing.medianNs / baseline),
      row.setup,
    ]),
  );
}

function httpTable(rows: readonly HttpRow[]): string {
  const optional = (value: number | undefined, format: (v: number) => string) =>
    value === undefined ? '' : format(value);
  return table(
    [
      'Case',
      'requests/s',
      'share of bare Fastify',
      'middle half of rounds',
      'share of same server unguarded',
      'server CPU µs/request',
      'added by the check',
      'p50 µs',
      'p99 µs',
    ],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows.map((row: HttpRow, index) => [
      row.name,
      integer.format(row.requestsPerSec),
      index === 0 ? '100 %' : percent(row.ratioToBare),
      index === 0 ? '' : `${percent(row.ratioQuartiles[0])} – ${percent(row.ratioQuartiles[1])}`,
      optional(row.ratioToUnguardedTwin, percent),
      decimal.format(row.serverCpuUsPerRequest),
      optional(row.serverCpuUsAddedByCheck, (v) => signed.format(v)),
      integer.format(row.p50Us),
      integer.format(row.p99Us),
    ]),
  );
}

/** Every case's share of bare Fastify and p99 under each traffic mix, side by side. */
function mixTable(http: HttpResult): string {
  return table(
    [
      'Case',
      ...trafficMixes.map((mix) => `${trafficMixLabels[mix]}: share of bare`),
      ...trafficMixes.map((mix) => `${mix}: p99 µs`),
    ],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    http.mixes.distinct.map((row, index) => [
      row.name,
      ...trafficMixes.map((mix) => (index === 0 ? '100 %' : percent((http.mixes[mix][index] as HttpRow).ratioToBare))),
      ...trafficMixes.map((mix) => integer.format((http.mixes[mix][index] as HttpRow).p99Us)),
    ]),
  );
}

/** The default guard against the guard with its cache off, per mix: median and range of the per-round ratios. */
function cacheComparison(http: HttpResult): { mix: TrafficMix; median: number; low: number; high: number }[] {
  // A short run without both guards has no ratios to give.
  return trafficMixes
    .filter((mix) => http.defaultOverCacheOff[mix].length > 0)
    .map((mix) => {
      const ratios = http.defaultOverCacheOff[mix];
      return { mix, median: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) };
    });
}

/** A case's row under one mix, found by its server; `undefined` when a short run left it out. */
function rowOf(http: HttpResult, mix: TrafficMix, kind: ServerKind): HttpRow | undefined {
  return http.mixes[mix].find((row) => row.kind === kind);
}

/**
 * What the floor rows of the same run reached, said for a missed target:
 * `kinds` are the floor servers to quote, each with the words that name it.
 */
function floorNote(http: HttpResult, floors: readonly (readonly [ServerKind, string])[], withP99 = false): string {
  const parts = floors.flatMap(([kind, what]) => {
    const row = rowOf(http, 'distinct', kind);
    if (row === undefined) return [];
    const added = row.serverCpuUsAddedByCheck;
    const cpu = added === undefined ? '' : `, ${signed.format(added)} µs of CPU per request`;
    const p99 = withP99 ? `, p99 ${integer.format(row.p99Us)} µs` : '';
    return [`${what} reaches ${percent(row.ratioToBare)} of bare${cpu}${p99}`];
  });
  return parts.length === 0 ? '' : `; in the same run, ${parts.join(', and ')}`;
}

const hmacFloors = [
  ['floor-hs256-signature', 'the HMAC check alone, with no parsing,'],
  ['floor-hs256-parse', 'the HMAC check plus the payload decoded and `JSON.parse`d'],
] as const;

const signatureFloors = (alg: 'es256' | 'eddsa') =>
  [
    [`floor-${alg}-loop`, '`crypto.verify` alone on the event loop'],
    [`floor-${alg}-pool`, '`crypto.verify` alone on the thread pool (its callback form)'],
  ] as const;

/**
 * The targets the HTTP benchmark decides. A target whose rows a short run
 * (`run.js --only http --cases …`) left out is left out too.
 */
function httpTargets(http: HttpResult, cores: number): string[][] {
  const rows = http.mixes.distinct;
  const bare = rows[0] as HttpRow;
  const guard = rowOf(http, 'distinct', 'guard-hs256');
  const verdict = (met: boolean) => (met ? 'met' : '**missed**');
  /** What the CPU figures say the ceiling allows: the bare route's CPU over the bare route's plus the check's. */
  const why = (row: HttpRow) => {
    const added = row.serverCpuUsAddedByCheck ?? row.serverCpuUsPerRequest - bare.serverCpuUsPerRequest;
    return `the check adds ${decimal.format(added)} µs of server CPU per request to the bare route's ${decimal.format(bare.serverCpuUsPerRequest)} µs, which would leave a server limited by its own CPU alone ${percent(bare.serverCpuUsPerRequest / (bare.serverCpuUsPerRequest + added))} of the bare route's rate; the load generator runs on the same ${cores} cores and limits both`;
  };
  const lines: string[][] = [];
  const share = (row: HttpRow | undefined, target: number, what: string, floors: string) => {
    if (row === undefined) return;
    const met = row.ratioToBare >= target;
    lines.push([
      what,
      `≥ ${percent(target)}`,
      percent(row.ratioToBare),
      verdict(met),
      met ? '' : `${why(row)}${floors}`,
    ]);
  };
  share(
    guard,
    GUARD_TARGET,
    'Default guard (HS256, revocation feed), distinct tokens, share of bare Fastify',
    floorNote(http, hmacFloors),
  );
  for (const { mix, median: level, low, high } of cacheComparison(http)) {
    lines.push([
      `Default guard at least as fast as with its cache off, ${trafficMixLabels[mix]}`,
      '≥ 1.00×',
      `${level.toFixed(2)}× (rounds ${low.toFixed(2)}–${high.toFixed(2)})`,
      verdict(level >= 1),
      level >= 1 ? '' : 'median of the per-round ratios below 1',
    ]);
  }
  const floor = rowOf(http, 'one', 'fastify-empty-hook');
  const guardOne = rowOf(http, 'one', 'guard-hs256');
  if (floor !== undefined && guardOne !== undefined) {
    lines.push([
      'Default guard, one token, within 5 points of an empty onRequest hook',
      `≥ ${percent(floor.ratioToBare - 0.05)}`,
      percent(guardOne.ratioToBare),
      verdict(guardOne.ratioToBare >= floor.ratioToBare - 0.05),
      '',
    ]);
  }
  for (const mix of trafficMixes) {
    const own = rowOf(http, mix, 'guard-hs256');
    const fast = rowOf(http, mix, 'fastify-jwt-cache-10k');
    if (own === undefined || fast === undefined) continue;
    lines.push([
      `Default guard ahead of fast-jwt with its cache (@fastify/jwt, cache of 10,000), ${trafficMixLabels[mix]}`,
      `> ${percent(fast.ratioToBare)}`,
      percent(own.ratioToBare),
      verdict(own.ratioToBare > fast.ratioToBare),
      '',
    ]);
  }
  for (const alg of ['ES256', 'EdDSA'] as const) {
    const lower = alg === 'ES256' ? 'es256' : 'eddsa';
    const own = rowOf(http, 'distinct', `guard-${lower}`);
    const jose = rowOf(http, 'distinct', `jose-${lower}`);
    if (own === undefined || jose === undefined) continue;
    const met = own.ratioToBare > jose.ratioToBare && own.p99Us < jose.p99Us;
    lines.push([
      `${alg} guard ahead of jose, distinct tokens (throughput and p99)`,
      `> ${percent(jose.ratioToBare)}, p99 < ${integer.format(jose.p99Us)} µs`,
      `${percent(own.ratioToBare)}, p99 ${integer.format(own.p99Us)} µs`,
      verdict(met),
      met ? '' : floorNote(http, signatureFloors(lower), true).replace(/^; in/, 'In'),
    ]);
  }
  for (const kind of ['fastify-jwt', 'express-jwt'] as const) {
    const peer = rowOf(http, 'distinct', kind);
    if (guard === undefined || peer === undefined) continue;
    const met = guard.ratioToBare > peer.ratioToBare;
    lines.push([
      `Default guard beats ${peer.name}`,
      `> ${percent(peer.ratioToBare)}`,
      percent(guard.ratioToBare),
      verdict(met),
      '',
    ]);
  }
  for (const alg of ['ES256', 'EdDSA'] as const) {
    const lower = alg === 'ES256' ? 'es256' : 'eddsa';
    share(
      rowOf(http, 'distinct', `guard-${lower}`),
      ASYMMETRIC_TARGET,
      `Guard with ${alg} keys, share of bare Fastify`,
      floorNote(http, signatureFloors(lower)),
    );
  }
  const lookup = rowOf(http, 'distinct', 'session-lookup');
  if (guard !== undefined && lookup !== undefined) {
    const times = guard.requestsPerSec / lookup.requestsPerSec;
    const lookupRatio = guard.ratioToBare / lookup.ratioToBare;
    const hmacFloor = rowOf(http, 'distinct', 'floor-hs256-signature');
    const floorTimes =
      hmacFloor === undefined
        ? ''
        : `; in the same run, the HMAC check alone, with no parsing, serves ${(hmacFloor.ratioToBare / lookup.ratioToBare).toFixed(1)}× the lookup design's requests`;
    lines.push([
      'Default guard against verify + Redis GET per request',
      `≥ ${LOOKUP_TARGET}×`,
      `${lookupRatio.toFixed(1)}× (${times.toFixed(1)}× in requests/s)`,
      verdict(lookupRatio >= LOOKUP_TARGET),
      lookupRatio >= LOOKUP_TARGET
        ? ''
        : `per request, the lookup design spends ${decimal.format(lookup.serverCpuUsPerRequest)} µs of server CPU against the guard's ${decimal.format(guard.serverCpuUsPerRequest)} µs (${(lookup.serverCpuUsPerRequest / guard.serverCpuUsPerRequest).toFixed(1)}×), but neither server has the machine to itself: autocannon, and for the lookup design redis-server, run on the same ${cores} cores, so requests/s narrow the gap that CPU per request shows; its p99 latency is ${(lookup.p99Us / guard.p99Us).toFixed(1)}× the guard's${floorTimes}`,
    ]);
  }
  return lines;
}

/** Each target of the issue, what this run measured, and why when it was missed. */
function targets(results: BenchResults): string[][] {
  const verdict = (met: boolean) => (met ? 'met' : '**missed**');
  const lines = httpTargets(results.http, results.machine.cores);
  lines.push(...rotationTargets(results.rotation));
  const { load } = results.memory;
  const loadMet = load.loopDelayMaxMs <= LOAD_STALL_TARGET_MS;
  lines.push([
    `Event loop stall while ${integer.format(load.entries)} revocations load at start-up`,
    `≤ ${LOAD_STALL_TARGET_MS} ms`,
    `${decimal.format(load.loopDelayMaxMs)} ms`,
    verdict(loadMet),
    loadMet
      ? ''
      : `the longest collector pause was ${decimal.format(load.longestGcMs)} ms, and the same process idle saw delays up to ${decimal.format(load.idleLoopDelayMaxMs)} ms from the machine alone`,
  ]);
  lines.push(...loginTargets(results.login));
  const { propagation } = results;
  lines.push([
    'Revocation propagation p99 (Redis, two instances)',
    `< ${PROPAGATION_TARGET_MS} ms`,
    `${decimal.format(propagation.p99Ms)} ms`,
    verdict(propagation.p99Ms < PROPAGATION_TARGET_MS),
    propagation.p99Ms < PROPAGATION_TARGET_MS ? '' : 'see the propagation section',
  ]);
  return lines;
}

/** The headline ratios, also quoted in the README. */
function keyRatios(results: BenchResults): string[] {
  const { verify, asymmetric } = results.micro;
  const rows = results.http.mixes.distinct;
  const share = (name: string) => percent(find(rows, name).ratioToBare);
  const shareIn = (mix: TrafficMix, name: string) => percent(find(results.http.mixes[mix], name).ratioToBare);
  const ns = (name: string) => integer.format(find([...verify, ...asymmetric], name).timing.medianNs);
  const guard = find(rows, 'jwtgate guard, HS256');
  const lookup = find(rows, 'jsonwebtoken, then a Redis GET');
  const { propagation, login, redisMemory, memory } = results;
  const defaultLogin = login.rows.find((row) => row.isDefault) ?? (login.rows[0] as LoginRow);
  const { own: ownLogin, peer: peerLogin } = peerLoginPair(login.peers);
  const rotation = (store: string, concurrency: number) =>
    integer.format(
      results.rotation.rows.find((row) => row.store === store && row.concurrency === concurrency)?.rotationsPerSec ??
        Number.NaN,
    );
  return [
    `- HTTP with ${integer.format(results.http.users)} users' distinct tokens in turn, share of bare Fastify's requests/s (${results.http.connections} connections): jwtgate's guard ${share('jwtgate guard, HS256')} with HS256 (${shareIn('hot', 'jwtgate guard, HS256')} with 90 % of requests from 100 hot users, ${shareIn('one', 'jwtgate guard, HS256')} with one token; ${share('jwtgate guard, HS256, cache off')} with its cache off), ${share('jwtgate guard, ES256')} with ES256 and ${share('jwtgate guard, EdDSA')} with EdDSA; @fastify/jwt ${share('@fastify/jwt, `')} (${share('@fastify/jwt, fast-jwt cache')} with a cache of 10,000); jose ${share('jose `jwtVerify` in onRequest, HS256')} HS256, ${share('jose `jwtVerify` in onRequest, ES256')} ES256, ${share('jose `jwtVerify` in onRequest, EdDSA')} EdDSA; an empty onRequest hook ${share('Fastify, an onRequest hook')}.`,
    `- Also on distinct tokens: Express ${share('Express, no auth')} bare and ${share('Express with express-jwt')} with express-jwt; jsonwebtoken plus a Redis GET per request ${share('jsonwebtoken, then a Redis GET')}; the whole jwtgate app's guard ${share('jwtgate app, `config')}, its strict mode ${share('jwtgate app, strict, SQLite')} (SQLite) and ${share('jwtgate app, strict, Redis')} (Redis).`,
    `- The default guard serves ${(guard.ratioToBare / lookup.ratioToBare).toFixed(1)}× the requests of the per-request Redis lookup design, at p99 ${integer.format(guard.p99Us)} µs against ${integer.format(lookup.p99Us)} µs.`,
    `- One HS256 verification: jwtgate ${ns('jwtgate createJwtVerifier, cache off')} ns without its cache of verified tokens, ${ns('jwtgate createJwtVerifier')} ns on a hit; ES256 ${ns('ES256 jwtgate createJwtVerifier, cache off')} ns uncached, ${ns('ES256 jwtgate createJwtVerifier')} ns on a hit; EdDSA ${ns('EdDSA jwtgate createJwtVerifier, cache off')} ns and ${ns('EdDSA jwtgate createJwtVerifier')} ns.`,
    `- Revocation propagation between two instances over Redis: p50 ${decimal.format(propagation.p50Ms)} ms, p99 ${decimal.format(propagation.p99Ms)} ms from sending the logout (${propagation.trials} trials).`,
    `- Refresh rotation over many users' sessions: ${rotation('SQLite', 50)}/s on SQLite and ${rotation('Redis', 50)}/s on Redis with 50 in flight (${rotation('SQLite', 1)}/s and ${rotation('Redis', 1)}/s one at a time); logins (argon2id) ${decimal.format(defaultLogin.loginsPerSec)}/s with ${login.concurrency} at once at the default \`Hashing.MaxConcurrent\` (${defaultLogin.maxConcurrent}), \`/healthz\` and a guarded route meanwhile p99 ${decimal.format(defaultLogin.probeP99Ms)} ms; over HTTP beside better-auth on the same argon2id cost, ${decimal.format(ownLogin.loginsPerSec)}/s against its ${decimal.format(peerLogin.loginsPerSec)}/s (\`/healthz\` p99 ${decimal.format(ownLogin.healthP99Ms)} ms against ${decimal.format(peerLogin.healthP99Ms)} ms).`,
    `- Memory: ${integer.format(memory.bytesPerEntry)} bytes of heap per revoked session in the revocation list (${decimal.format(memory.mibPer100k)} MiB per 100,000); ${integer.format(redisMemory.bytesPerSession)} bytes of Redis memory per active session (${integer.format(redisMemory.usedMemoryMiB)} MiB for ${integer.format(redisMemory.sessions)}).`,
  ];
}

/** The refresh targets: p99 at 50 in flight on both stores, and the rate on Redis. */
function rotationTargets(rotation: RotationResult): string[][] {
  const verdict = (met: boolean) => (met ? 'met' : '**missed**');
  const rows: string[][] = [];
  for (const store of ['SQLite', 'Redis'] as const) {
    const row = rotation.rows.find((r) => r.store === store && r.concurrency === 50);
    if (row === undefined) continue;
    const met = row.p99Us < REFRESH_P99_TARGET_MS * 1000;
    rows.push([
      `Refresh p99 on ${store}, 50 in flight`,
      `< ${REFRESH_P99_TARGET_MS} ms`,
      `${decimal.format(row.p99Us / 1000)} ms`,
      verdict(met),
      met ? '' : 'see the refresh section',
    ]);
    if (store === 'Redis') {
      const fast = row.rotationsPerSec >= REDIS_REFRESH_TARGET;
      rows.push([
        'Refreshes/s on Redis, 50 in flight',
        `≥ ${integer.format(REDIS_REFRESH_TARGET)}`,
        integer.format(row.rotationsPerSec),
        verdict(fast),
        fast ? '' : 'see the refresh section',
      ]);
    }
  }
  return rows;
}

/** The refresh-rotation section of the results. */
function renderRotationSection(rotation: RotationResult, profile: BenchProfile): string {
  return `## Refresh-token rotation

\`SessionManager.refresh\` in process on the real SQLite store (a file in WAL
mode, as the server runs it) and on the real Redis store (the local Redis),
through the server's session manager (its refresh throttle, events and audit
included). The refreshes go round ${integer.format(rotation.rows[0]?.sessions ?? 0)} sessions of ${integer.format(profile.rotation.users)} users, so each refresh is
another session's, with 1, 8 or 50 in flight; after a warm-up, each count
in flight runs ${integer.format(rotation.durationMs)} ms per round, ${profile.rotation.rounds} rounds in rotating order, and the
table gives the medians of the rounds. Each rotation loads the session and
the user, swaps the token generation atomically (one compare-and-swap
\`UPDATE\`, or one script in Redis) and signs a new access token.

${table(
  ['Store', 'Refreshes in flight', 'rotations', 'rotations/s', 'p50 µs', 'p99 µs', 'CPU µs per rotation'],
  ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
  rotation.rows.map((row) => [
    row.store,
    String(row.concurrency),
    integer.format(row.rotations),
    integer.format(row.rotationsPerSec),
    integer.format(row.p50Us),
    integer.format(row.p99Us),
    integer.format(row.cpuUsPerRotation),
  ]),
)}`;
}

/** jwtgate's row and better-auth's, in the order they were measured. */
function peerLoginPair(peers: PeerLoginResult): { own: PeerLoginRow; peer: PeerLoginRow } {
  return { own: peers.rows[0] as PeerLoginRow, peer: peers.rows[1] as PeerLoginRow };
}

/** The login targets: jwtgate's pace against better-auth's, and what other requests feel meanwhile. */
function loginTargets(login: LoginResult): string[][] {
  const verdict = (met: boolean) => (met ? 'met' : '**missed**');
  const { own, peer } = peerLoginPair(login.peers);
  const ratios = login.peers.ratios;
  const ratio = median(ratios);
  const fast = own.loginsPerSec >= peer.loginsPerSec;
  const rows = [
    [
      `Logins/s at least better-auth's on the same hash cost (argon2id m=19 MiB, t=2, p=1, ${login.peers.concurrency} at once, defaults)`,
      `≥ ${decimal.format(peer.loginsPerSec)}`,
      `${decimal.format(own.loginsPerSec)} (${ratio.toFixed(2)}×, rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
      verdict(fast),
      fast
        ? ''
        : `jwtgate spent ${decimal.format(own.cpuMsPerLogin)} ms of CPU per login against better-auth's ${decimal.format(peer.cpuMsPerLogin)} ms`,
    ],
  ];
  for (const [what, p99] of [
    ['/healthz', own.healthP99Ms],
    [`guarded route (${own.guardedRoute})`, own.guardedP99Ms],
  ] as const) {
    const met = p99 < LOGIN_FLOOD_P99_TARGET_MS;
    rows.push([
      `${what} p99 during the login flood, jwtgate at its defaults`,
      `< ${LOGIN_FLOOD_P99_TARGET_MS} ms`,
      `${decimal.format(p99)} ms`,
      verdict(met),
      met ? '' : 'see the logins section',
    ]);
  }
  return rows;
}

/**
 * The logins section of the results: each `Hashing.MaxConcurrent` setting,
 * then jwtgate beside better-auth. Also what `run.js --only login` splices
 * into an existing results file.
 *
 * @example
 * writeFileSync(out, renderLoginSection(login));
 */
export function renderLoginSection(login: LoginResult): string {
  const { peers } = login;
  return `## Logins (argon2id)

\`POST /auth/login\` through the real server (SQLite, argon2id with the
server's default parameters), ${login.concurrency} clients logging in back to back, under each
\`Hashing.MaxConcurrent\` setting (one server each, in this one process), in
${login.rounds} interleaved rounds of ${decimal.format(login.sliceMs / 1000)} s per setting. Each login verifies one
argon2id hash on a libuv thread, off the event loop. Meanwhile the event
loop's delay was sampled (how late a 1 ms timer fired, again and again) and a
probe asked \`/healthz\` and the guarded \`/auth/me\` in turn, one at a time,
every 10 ms: what other requests feel during a login flood. "default" marks
what \`Hashing.MaxConcurrent: 0\` picks on this machine.

${table(
  [
    'MaxConcurrent',
    'logins',
    'logins/s',
    'login p50 ms',
    'login p99 ms',
    'loop delay p50 ms',
    'loop p99 ms',
    'loop max ms',
    '/healthz + /auth/me p50 ms',
    'p99 ms',
  ],
  ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  login.rows.map((row) => [
    `${row.maxConcurrent}${row.isDefault ? ' (default)' : ''}`,
    integer.format(row.logins),
    decimal.format(row.loginsPerSec),
    decimal.format(row.p50Ms),
    decimal.format(row.p99Ms),
    decimal.format(row.loopDelayP50Ms),
    decimal.format(row.loopDelayP99Ms),
    decimal.format(row.loopDelayMaxMs),
    decimal.format(row.probeP50Ms),
    decimal.format(row.probeP99Ms),
  ]),
)}

### jwtgate beside better-auth, same hash cost

jwtgate (\`createJwtgateServer\`, SQLite, every setting at its default, so
\`Hashing.MaxConcurrent\` ${peers.jwtgateMaxConcurrent}) and better-auth 1.7 (\`betterAuth\` with email and
password sign-in on a real SQLite file through better-sqlite3, its own
migrations, mounted with \`toNodeHandler\` on \`node:http\`, telemetry and its
rate limit off), each in a process of its own on 127.0.0.1. better-auth
hashes with scrypt by default; here its \`emailAndPassword.password\` hash and
verify are @node-rs/argon2's argon2id with jwtgate's parameters
(\`${peers.argon2}\`), so a login costs both the same hash. Each holds the
same ${integer.format(peers.users)} users with the same password, made before the clock starts.
Before timing, each had to let the first and last user in, refuse a wrong
password, and accept its credential on its guarded route but refuse a tampered
one. Then ${peers.concurrency} clients in the benchmark process log in back to back over HTTP
(keep-alive), each time as the next user, while a probe asks \`/healthz\` and
the guarded route in turn, one at a time, every 10 ms; any refusal fails the
run. ${peers.rounds} rounds of ${decimal.format(peers.sliceMs / 1000)} s per server, which one goes first alternating;
logins/s is the median of the rounds (with their range), latencies are over
every answer, and CPU per login is the server process's (all its threads,
the hashing included), which shows the two spent the same on each hash.

${table(
  [
    'Server',
    'logins',
    'logins/s',
    'rounds',
    'login p50 ms',
    'login p99 ms',
    'CPU ms per login',
    '/healthz p50 ms',
    '/healthz p99 ms',
    'guarded route',
    'guarded p50 ms',
    'guarded p99 ms',
  ],
  ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'r', 'r'],
  peers.rows.map((row) => [
    row.name,
    integer.format(row.logins),
    decimal.format(row.loginsPerSec),
    `${decimal.format(row.loginsPerSecRange[0])}–${decimal.format(row.loginsPerSecRange[1])}`,
    decimal.format(row.p50Ms),
    decimal.format(row.p99Ms),
    decimal.format(row.cpuMsPerLogin),
    decimal.format(row.healthP50Ms),
    decimal.format(row.healthP99Ms),
    `\`${row.guardedRoute}\``,
    decimal.format(row.guardedP50Ms),
    decimal.format(row.guardedP99Ms),
  ]),
)}

jwtgate's logins/s over better-auth's, round by round: ${peers.ratios.map((r) => r.toFixed(2)).join(', ')}.`;
}

/** The HTTP section: how it was measured, the mixes side by side, distinct tokens in detail. */
function renderHttpSection(http: HttpResult, machine: MachineDescription, profile: BenchProfile): string {
  return `## HTTP: one GET route on 127.0.0.1

\`GET /api/hello\` answering \`{"hello":"world"}\` with the same response schema in
every case, each server in its own process, all started before the first
measurement; load from autocannon in the parent process, ${http.connections} keep-alive
connections. Each server holds a token for each of ${integer.format(http.users)} users, and three
kinds of traffic are measured: **distinct tokens** (every user's token in
turn, round robin: what a service sees from many users, and the headline),
**90 % from 100 hot users** (nine requests in ten carry one of 100 users'
tokens, the tenth the others' in turn), and **one token** (every request the
same: only a cache's best case). After ${http.warmupSec} s of warm-up per server, the load moves
from server to server and mix to mix in slices of ${http.sliceSec} s, ${http.rounds} rounds in rotating
order, so each case is measured for ${http.rounds * http.sliceSec} s per mix and load from elsewhere on the
machine falls on all cases alike. Any non-2xx answer fails the run, and the
guarded routes were first seen to accept the first and last user's token and
to refuse a missing and a tampered one. Server and load generator share the
machine's ${machine.cores} cores, so the bare route's figure is a ceiling for this box, not for
Fastify.

The cases: "jwtgate guard" is \`@jwtgate/middleware\`'s Fastify plugin on a
plain Fastify app, as a user adds it (the same way @fastify/jwt is added), with
the revocation feed on (Redis: a logout anywhere is refused at once, with a
lookup in memory and no round trip per request; the feed starts by loading
${integer.format(profile.revokedSessions)} revoked sessions, so every lookup is one in a list of that size), at its defaults, with its cache of
verified tokens off, and with a cache of 10,000; with ES256 and EdDSA it holds
only the public key. "An onRequest hook that only reads the header" is the
floor of any guard. The "Floor" rows are the least any verifier does on a
token it has not seen: an onRequest hook that only checks the HS256 signature
(\`createHmac\`, then \`timingSafeEqual\` with the decoded signature; no header,
no claims), the same plus the payload decoded and \`JSON.parse\`d, and hooks
that only run \`crypto.verify\` on an ES256 or EdDSA signature, on the event
loop and in its callback form (libuv's thread pool). They refuse a tampered
token like the guards, and say how much of a guard's cost is the signature's. @fastify/jwt (fast-jwt underneath) runs at its default
(no cache) and with fast-jwt's cache of 10,000, its best setting here; jose
has no cache. Express is measured bare and with express-jwt (jsonwebtoken with a
KeyObject secret, its fastest form). "jsonwebtoken, then a Redis GET" is the
design jwtgate replaces: verify, then look the session up in Redis on every
request. The "jwtgate app" rows are the whole server (\`createJwtgateServer\`,
its hooks and headers, the revocation list holding
${integer.format(profile.revokedSessions)} revoked sessions, a session per user), with an unguarded
route, the guard, and strict mode, which asks the session store on every
request (SQLite, and Redis).

### Share of bare Fastify under each kind of traffic

${mixTable(http)}

The default guard against the same guard with its cache off, per round
(requests/s of one over the other, measured moments apart):
${cacheComparison(http)
  .map(
    ({ mix, median: level, low, high }) =>
      `${trafficMixLabels[mix]} ${level.toFixed(2)}× (rounds ${low.toFixed(2)}–${high.toFixed(2)})`,
  )
  .join('; ')}.

### Distinct tokens, in detail

"Share of bare Fastify" is the median over rounds of the case's requests/s
divided by the bare route's in the same round; "share of same server
unguarded" divides a guarded route by the unguarded route of the same
framework (plain Fastify, Express, or the jwtgate app), which isolates what
the check itself costs. "Server CPU µs/request" is the server process's CPU
time (user + system) during its slices divided by the requests it answered;
unlike requests/s it hardly depends on how much of the machine the server
got, so "added by the check" (a guarded route's figure minus its unguarded
twin's) is the steadiest measure of what verification costs per request.
Latencies are over every answer of the case.

${httpTable(http.mixes.distinct)}
`;
}

/**
 * Renders one run as the Markdown committed in `bench/results.md`.
 *
 * @example
 * writeFileSync('bench/results.md', renderResults(results));
 */
export function renderResults(results: BenchResults): string {
  const { machine, profile, micro, http, rotation, memory, login, redisMemory, propagation } = results;
  const libraries = Object.entries(machine.libraries)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const minutes = (results.finishedAt.getTime() - results.startedAt.getTime()) / 60_000;
  return `# jwtgate benchmark results

Written by \`npm run bench\`; do not edit by hand. [README.md](README.md) explains
each benchmark and how to read it.${profile.name === 'quick' ? '\n\n**Quick profile: a smoke run whose numbers mean nothing.**' : ''}

- Date: ${results.startedAt.toISOString()} (${decimal.format(minutes)} min)
- Machine: ${machine.cpu}, ${machine.cores} cores, ${decimal.format(machine.memoryGiB)} GiB, ${machine.os}
- Load average when the run started: ${machine.loadAverage.map((l) => l.toFixed(2)).join(', ')} (the machine is shared)
- Node ${machine.node} (V8 ${machine.v8})
- ${libraries}

Absolute numbers depend on the machine and on whatever else ran on its
${machine.cores} cores at the time; the ratios compare implementations measured
side by side in this one run and are what to quote.

## Key ratios

${keyRatios(results).join('\n')}

![Requests/s as a share of bare Fastify](${CHART_FILE})

## Targets

${table(['Target', 'wanted', 'measured', '', 'why, when missed'], ['l', 'r', 'r', 'l', 'l'], targets(results))}

## Access-token verification, per call

The same access token from a real login (HS256, \`typ: at+jwt\`, \`iss\`, \`aud\`,
\`sub\`, \`sid\`, \`role\`, \`iat\`, \`exp\`, \`jti\`), every verifier pinned to HS256
and expecting the same issuer, audience and 5 s leeway. Before timing, each
verifier had to accept it and refuse a token breaking each rule; "Refuses"
lists the rules it enforced. "ns/call" is the median of ${profile.micro.rounds} interleaved rounds of
about ${profile.micro.batchMs} ms per case after ${profile.micro.warmupMs} ms of warm-up, all in one process; "fastest
round" is the round least disturbed by other work on the machine. "× jwtgate
time" divides each median by the first row's, jwtgate's verifier with its cache
of verified tokens off (every call checks the signature and parses the JSON):
above 1 is slower. jwtgate's other rows run with the cache on, its default:
the same token every call, so every call is a hit (like fast-jwt's cached row).

${microTable(micro.verify, true)}

## ES256 and EdDSA verification, per call

The claims of the same token signed with a fresh P-256 (ES256) and Ed25519
(EdDSA) key pair, \`typ: at+jwt\`; each verifier holds the public key only and
had to refuse the same attack tokens (signed with the same private key). jwtgate's first row
per algorithm is its default, the cache of verified tokens on: the same token
every call, so every call is a hit that skips the signature but still checks
the time claims. Same timing method; "× jwtgate time" divides by the first
row of each table, jwtgate without its cache.

${(['ES256', 'EdDSA'] as const)
  .map(
    (alg) =>
      `### ${alg}\n\n${microTable(
        micro.asymmetric.filter((row) => row.name.startsWith(`${alg} `)),
        true,
      )}`,
  )
  .join('\n\n')}

## A hit in a full cache of verified tokens

jwtgate's verifier (HS256) with its cache of verified tokens at each size,
filled with that many distinct tokens, each verified once; one of them is
then verified over and over. A hit must cost the same whatever the size (it
is one lookup; nothing is deleted and re-inserted); "× jwtgate time" divides
by the first row. Same timing method.

${microTable(micro.cacheHits, false)}

## Signing, per call

Each signer signs the claims of that token with the header
\`{ alg: HS256, typ: at+jwt, kid }\`; each result was checked with jwtgate's
verifier before timing. Same method as above.

${microTable(micro.sign, false)}

${renderHttpSection(http, machine, profile)}

${renderRotationSection(rotation, profile)}

${renderLoginSection(login)}

## Revocation propagation

Two real jwtgate server processes sharing one SQLite database and one Redis
(a key prefix of their own). Each trial logs in on A, sees B accept the token,
then sends the logout to A while polling B in a tight loop (one request after
the other) until B refuses the token. The time runs from sending the logout
to B's first refusal, so it includes A's handling of the logout (median
${decimal.format(propagation.logoutP50Ms)} ms). ${propagation.trials} trials after one untimed.

${table(
  ['Trials', 'p50 ms', 'p99 ms', 'max ms', 'answers 200 from B after the logout was sent (all trials)'],
  ['r', 'r', 'r', 'r', 'r'],
  [
    [
      String(propagation.trials),
      decimal.format(propagation.p50Ms),
      decimal.format(propagation.p99Ms),
      decimal.format(propagation.maxMs),
      integer.format(propagation.acceptedAfterLogout),
    ],
  ],
)}

## Sessions in Redis

${integer.format(redisMemory.sessions)} active sessions (one user each, a device label, an address and a
browser's user agent) written through the real Redis store's \`create\` into a
redis-server ${redisMemory.redisVersion} of the benchmark's own (never the shared one), at
${integer.format(redisMemory.createdPerSec)} sessions/s; the growth of \`used_memory\` (INFO memory) per session.

${table(
  ['Sessions', 'bytes per session', 'MiB in all'],
  ['r', 'r', 'r'],
  [
    [
      integer.format(redisMemory.sessions),
      integer.format(redisMemory.bytesPerSession),
      decimal.format(redisMemory.usedMemoryMiB),
    ],
  ],
)}

## Revocation list memory

Heap growth (\`process.memoryUsage().heapUsed\` after forced collections) of a
revocation list holding ${integer.format(memory.entries)} revoked session ids, ids included, median of
${memory.repeats} builds; and the growth of the process's resident memory during the first build.
An instance keeps no state for active sessions: the list holds revoked ones
only, and the verifier's cache of verified tokens is bounded
(${integer.format(memory.tokenCacheEntries)} tokens by default, ${integer.format(memory.tokenCacheBytesPerEntry)} bytes of heap each besides the token string, so
${decimal.format((memory.tokenCacheEntries * memory.tokenCacheBytesPerEntry) / 2 ** 20)} MiB when full), whatever the number of sessions.

${table(
  ['Bytes per revoked session', 'MiB per 100,000', 'resident bytes per revoked session'],
  ['r', 'r', 'r'],
  [[decimal.format(memory.bytesPerEntry), decimal.format(memory.mibPer100k), decimal.format(memory.rssBytesPerEntry)]],
)}

### Loading revocations at start-up

${integer.format(memory.load.entries)} revocations (fresh session ids, made before the clock started, as
rows read from a store would be) loaded into an empty list with
\`loadRevocations\`, as a start-up (\`syncRevocations\`), the Redis catch-up and
the middleware's revocation feed do: ${integer.format(REVOCATION_SLICE)} entries at a time, giving the event
loop back between slices. The loop's delay was sampled all along
(\`monitorEventLoopDelay\`, 1 ms resolution); "idle" is the same process's
largest delay while doing nothing for a second just before, what the shared
machine alone causes. Target: no stall over ${LOAD_STALL_TARGET_MS} ms. Heap growth excludes the ids,
which the rows already held (the table above counts them).

${table(
  [
    'Entries',
    'ms',
    'loop delay p99 ms',
    'max ms',
    'idle max ms',
    'longest GC pause ms',
    'GC ms in all',
    'heap bytes per entry',
    'resident bytes per entry',
  ],
  ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  [
    [
      integer.format(memory.load.entries),
      integer.format(memory.load.durationMs),
      decimal.format(memory.load.loopDelayP99Ms),
      decimal.format(memory.load.loopDelayMaxMs),
      decimal.format(memory.load.idleLoopDelayMaxMs),
      decimal.format(memory.load.longestGcMs),
      integer.format(memory.load.gcMs),
      decimal.format(memory.load.heapBytesPerEntry),
      decimal.format(memory.load.rssBytesPerEntry),
    ],
  ],
)}
`;
}

/** What `run.js --only` measured: some of the benchmarks only. */
export interface PartialResults {
  readonly startedAt: Date;
  readonly profile: BenchProfile;
  readonly machine: MachineDescription;
  readonly rotation?: RotationResult | undefined;
  readonly login?: LoginResult | undefined;
  readonly http?: HttpResult | undefined;
}

/** Each benchmark of a partial run: its section (heading first) and its target rows. */
function partialParts(results: PartialResults): { section: string; targets: string[][] }[] {
  const parts: { section: string; targets: string[][] }[] = [];
  if (results.rotation !== undefined) {
    parts.push({
      section: renderRotationSection(results.rotation, results.profile),
      targets: rotationTargets(results.rotation),
    });
  }
  if (results.login !== undefined) {
    parts.push({ section: renderLoginSection(results.login), targets: loginTargets(results.login) });
  }
  if (results.http !== undefined) {
    parts.push({
      section: renderHttpSection(results.http, results.machine, results.profile),
      targets: httpTargets(results.http, results.machine.cores),
    });
  }
  return parts;
}

function whenAndWhere(results: PartialResults): string {
  const { machine } = results;
  return `${results.startedAt.toISOString()}, ${machine.cpu}, ${machine.cores} cores, load average ${machine.loadAverage.map((l) => l.toFixed(2)).join(', ')}, Node ${machine.node}`;
}

/**
 * A partial run on its own (`run.js --only … --out file`, or printed): its
 * targets and sections, under a header that says when and where.
 *
 * @example
 * process.stdout.write(renderPartialResults({ startedAt, profile, machine, login }));
 */
export function renderPartialResults(results: PartialResults): string {
  const parts = partialParts(results);
  return `# jwtgate benchmark results (some benchmarks only)

Written by \`node bench/dist/run.js --only\`; do not edit by hand.${results.profile.name === 'quick' ? '\n\n**Quick profile: a smoke run whose numbers mean nothing.**' : ''}

- ${whenAndWhere(results)}

## Targets

${table(
  ['Target', 'wanted', 'measured', '', 'why, when missed'],
  ['l', 'r', 'r', 'l', 'l'],
  parts.flatMap((part) => part.targets),
)}

${parts.map((part) => part.section).join('\n\n')}
`;
}

/**
 * Puts a partial run into the results of a full one: each of its sections
 * replaces the section of the same heading, marked as measured on its own
 * and when, and each of its target rows replaces the row of the same target
 * (or joins the end of the targets table). The rest stays as the full run wrote it.
 *
 * @example
 * writeFileSync(path, spliceResults(readFileSync(path, 'utf8'), { startedAt, profile, machine, login }));
 */
export function spliceResults(existing: string, results: PartialResults): string {
  let text = existing;
  const note = `Measured on its own (\`node bench/dist/run.js --only\`), not in the run this file's header describes: ${whenAndWhere(results)}.`;
  for (const part of partialParts(results)) {
    const [heading, ...rest] = part.section.split('\n');
    const section = [heading, '', note, ...rest].join('\n');
    const start = text.indexOf(`\n${heading}\n`);
    if (start === -1) throw new Error(`no section "${heading}" in the results to replace`);
    const next = text.indexOf('\n## ', start + 1);
    text = `${text.slice(0, start + 1)}${section}\n${next === -1 ? '' : text.slice(next)}`;
    const lines = text.split('\n');
    const header = lines.findIndex((line) => line.startsWith('| Target | wanted |'));
    if (header === -1) throw new Error('no targets table in the results');
    for (const row of part.targets) {
      const line = `| ${row.join(' | ')} |`;
      const same = lines.findIndex((l, i) => i > header && l.startsWith(`| ${row[0]} |`));
      if (same !== -1) {
        lines[same] = line;
        continue;
      }
      let end = header;
      while (lines[end + 1]?.startsWith('|')) end += 1;
      lines.splice(end + 1, 0, line);
    }
    text = lines.join('\n');
  }
  return text;
}
