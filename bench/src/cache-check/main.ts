import { createVerifier } from '@jwtgate/middleware';
import { signAccessTokens } from '../support/bench-tokens.js';
import { BENCH_ACCESS_SECRET, BENCH_AUDIENCE, BENCH_ISSUER, BENCH_LEEWAY_SEC } from '../support/jwtgate-fixture.js';
import { median } from '../support/stats.js';

// The regression guard of the cache of verified tokens, run by the bench smoke
// test: `cache-check/main.js [users] [rounds]` prints JSON with the per-round
// ratios of the middleware's verifier at its defaults over the same verifier
// with the cache off, on distinct tokens (every user's token in turn, so the
// default cache of 1,000 is full and almost every request misses). Each round
// times both in batches of CPU time (user + system, which other processes on
// the machine change far less than wall time), alternating which goes first.

const users = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 15);
const batch = users;

const options = {
  secret: BENCH_ACCESS_SECRET,
  algorithms: ['HS256'],
  issuer: BENCH_ISSUER,
  audience: BENCH_AUDIENCE,
  clockToleranceSec: BENCH_LEEWAY_SEC,
} as const;
const defaults = createVerifier(options);
const cacheOff = createVerifier({ ...options, verifiedTokenCacheSize: 0 });
// Headers as a request brings them: a new string each time, as Node's HTTP parser makes.
const headers = signAccessTokens(users).map(({ token }) => `Bearer ${token}`);

let sink: unknown;
function cpuMicrosPerCall(verifier: typeof defaults): number {
  const start = process.cpuUsage();
  for (let i = 0; i < batch; i += 1) {
    const authorization = (headers[i] as string).slice(0);
    sink = verifier.authenticateNow({ authorization });
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / batch;
}

// Warm-up: both verifiers optimised, the default cache filled as in a running service.
for (let i = 0; i < 3; i += 1) {
  cpuMicrosPerCall(defaults);
  cpuMicrosPerCall(cacheOff);
}
const ratios: number[] = [];
for (let round = 0; round < rounds; round += 1) {
  const [first, second] = round % 2 === 0 ? [defaults, cacheOff] : [cacheOff, defaults];
  const a = cpuMicrosPerCall(first);
  const b = cpuMicrosPerCall(second);
  const [withDefaults, withCacheOff] = first === defaults ? [a, b] : [b, a];
  // Above 1: the defaults verify more per CPU second than the cache off.
  ratios.push(withCacheOff / withDefaults);
}
if (sink === undefined) throw new Error('nothing was verified');
process.stdout.write(`${JSON.stringify({ users, rounds, ratios, median: median(ratios) })}\n`);
