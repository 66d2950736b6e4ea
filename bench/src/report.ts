import type { HttpResult, HttpRow } from './http/http-result.js';
import type { MemoryResult } from './memory/memory-result.js';
import type { MicroResult, MicroRow } from './micro/micro-result.js';
import type { RotationResult } from './rotation/rotation-result.js';
import type { MachineDescription } from './support/machine.js';
import type { BenchProfile } from './support/profile.js';

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
}

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
  const row = rows.find((r) => r.name.startsWith(prefix));
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

function httpTable(http: HttpResult): string {
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
    http.rows.map((row: HttpRow, index) => [
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

/** The headline ratios, also quoted in the README. */
function keyRatios(results: BenchResults): string[] {
  const { verify, sign } = results.micro;
  const authenticate = find(verify, 'jwtgate SessionManager').timing.medianNs;
  const verifier = find(verify, 'jwtgate createJwtVerifier').timing.medianNs;
  const times = (name: string) => ratio(find(verify, name).timing.medianNs / authenticate);
  const signer = find(sign, 'jwtgate createJwtSigner').timing.medianNs;
  const guard = find(results.http.rows, 'jwtgate guard');
  const open = find(results.http.rows, 'jwtgate app').ratioToBare;
  const peer = find(results.http.rows, '@fastify/jwt');
  return [
    `- One access check through \`SessionManager.authenticate\` (signature, claims and the revocation list with ${integer.format(results.micro.revocationListSize)} revoked sessions) costs ${integer.format(authenticate)} ns; the bare \`createJwtVerifier\` ${integer.format(verifier)} ns.`,
    `- Time per verification relative to \`authenticate\`: jose \`jwtVerify\` ${times('jose jwtVerify')}× (${times('jose jwtVerify,')}× with a Uint8Array secret), fast-jwt ${times('fast-jwt createVerifier, cache off')}× (cache off) and ${times('fast-jwt createVerifier, cache on')}× (cache hit), jsonwebtoken ${times('jsonwebtoken verify,')}× with a string secret and ${times('jsonwebtoken verify')}× with a KeyObject.`,
    `- Signing relative to jwtgate's signer: jose ${ratio(find(sign, 'jose').timing.medianNs / signer)}×, fast-jwt ${ratio(find(sign, 'fast-jwt').timing.medianNs / signer)}×, jsonwebtoken ${ratio(find(sign, 'jsonwebtoken sign').timing.medianNs / signer)}× (KeyObject).`,
    `- HTTP, share of a bare Fastify route's requests/s: jwtgate's guarded route ${percent(guard.ratioToBare)} (its unguarded route ${percent(open)}), the same route behind @fastify/jwt ${percent(peer.ratioToBare)}. The check alone keeps ${percent(guard.ratioToUnguardedTwin ?? Number.NaN)} of the same server's unguarded throughput with jwtgate, ${percent(peer.ratioToUnguardedTwin ?? Number.NaN)} with @fastify/jwt.`,
    `- Server CPU per request added by the check (the steadiest HTTP figure on a busy machine): ${decimal.format(guard.serverCpuUsAddedByCheck ?? Number.NaN)} µs for jwtgate's guard, ${decimal.format(peer.serverCpuUsAddedByCheck ?? Number.NaN)} µs for @fastify/jwt.`,
    `- Metrics on (\`Metrics.Enabled\`: every request counted and timed) add ${decimal.format(find(results.http.rows, 'jwtgate guard, metrics on').serverCpuUsPerRequest - guard.serverCpuUsPerRequest)} µs of server CPU to a guarded request.`,
    `- Refresh rotation on SQLite: ${integer.format((results.rotation.rows[0] as RotationResult['rows'][number]).rotationsPerSec)} rotations/s from one session; the revocation list takes ${decimal.format(results.memory.mibPer100k)} MiB per 100,000 revoked sessions.`,
  ];
}

/**
 * Renders one run as the Markdown committed in `bench/results.md`.
 *
 * @example
 * writeFileSync('bench/results.md', renderResults(results));
 */
export function renderResults(results: BenchResults): string {
  const { machine, profile, micro, http, rotation, memory } = results;
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

## Access-token verification, per call

The same access token from a real login (HS256, \`typ: at+jwt\`, \`iss\`, \`aud\`,
\`sub\`, \`sid\`, \`role\`, \`iat\`, \`exp\`, \`jti\`), every verifier pinned to HS256
and expecting the same issuer, audience and 5 s leeway. Before timing, each
verifier had to accept it and refuse a token breaking each rule; "Refuses"
lists the rules it enforced. "ns/call" is the median of ${profile.micro.rounds} interleaved rounds of
about ${profile.micro.batchMs} ms per case after ${profile.micro.warmupMs} ms of warm-up, all in one process; "fastest
round" is the round least disturbed by other work on the machine. "× jwtgate
time" divides each median by the first row's: above 1 is slower than jwtgate's
complete check.

${microTable(micro.verify, true)}

## Signing, per call

Each signer signs the claims of that token with the header
\`{ alg: HS256, typ: at+jwt, kid }\`; each result was checked with jwtgate's
verifier before timing. Same method as above.

${microTable(micro.sign, false)}

## HTTP: one GET route on 127.0.0.1

\`GET /api/hello\` answering \`{"hello":"world"}\` with the same response schema in
every case, each server in its own process, all started before the first
measurement; load from autocannon in the parent process, ${http.connections} keep-alive
connections. After ${http.warmupSec} s of warm-up per server, the load moves from server to
server in slices of ${http.sliceSec} s, ${http.rounds} rounds in rotating order, so each case is
measured for ${http.rounds * http.sliceSec} s in all and load from elsewhere on the machine falls on all
cases alike. Every request carries the same \`Authorization\` header; any non-2xx
answer fails the run, and the guarded routes were first seen to refuse a
missing and a tampered token. Server and load generator share the machine's
${machine.cores} cores, so the bare route's figure is a ceiling for this box, not for
Fastify. "Share of bare Fastify" is the median over rounds of the case's
requests/s divided by the bare route's in the same round; "share of same server
unguarded" divides a guarded route by the unguarded route of the same server
(jwtgate's app, or plain Fastify for @fastify/jwt), which isolates what the
check itself costs. "Server CPU µs/request" is the server process's CPU time
(user + system) during its slices divided by the requests it answered; unlike
requests/s it hardly depends on how much of the machine the server got, so
"added by the check" (a guarded route's figure minus its unguarded twin's) is
the steadiest measure of what verification costs per request. Latencies are
over every answer of the case.

${httpTable(http)}

## Refresh-token rotation on SQLite

\`SessionManager.refresh\` on the real SQLite store (a file in WAL mode, as the
server runs it), in process, ${integer.format(rotation.durationMs)} ms per row after a warm-up: each rotation
loads the session and the user, swaps the token generation with one
compare-and-swap \`UPDATE\` and signs a new access token. Absolute numbers for
this machine: the baseline for other stores.

${table(
  ['Sessions rotating at once', 'rotations', 'rotations/s', 'p50 µs', 'p99 µs'],
  ['r', 'r', 'r', 'r', 'r'],
  rotation.rows.map((row) => [
    String(row.concurrency),
    integer.format(row.rotations),
    integer.format(row.rotationsPerSec),
    integer.format(row.p50Us),
    integer.format(row.p99Us),
  ]),
)}

## Revocation list memory

Heap growth (\`process.memoryUsage().heapUsed\` after forced collections) of a
revocation list holding ${integer.format(memory.entries)} revoked session ids, ids included, median of
${memory.repeats} builds.

${table(
  ['Bytes per revoked session', 'MiB per 100,000'],
  ['r', 'r'],
  [[decimal.format(memory.bytesPerEntry), decimal.format(memory.mibPer100k)]],
)}
`;
}
