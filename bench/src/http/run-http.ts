import type { BenchProfile } from '../support/profile.js';
import { type ServerChild, startServerProcess } from '../support/spawn-child.js';
import { median, quantile } from '../support/stats.js';
import { tamperSignature } from '../support/tamper.js';
import { type HttpCase, httpCases, type TrafficMix, tokenSequence, trafficMixes } from './cases.js';
import { HELLO_BODY } from './hello-route.js';
import type { HttpResult, HttpRow } from './http-result.js';
import { type LoadSample, runLoad } from './load.js';

async function statusOf(url: string, authorization: string | undefined): Promise<{ status: number; body: string }> {
  const response = await fetch(url, authorization === undefined ? {} : { headers: { authorization } });
  return { status: response.status, body: await response.text() };
}

/**
 * Before any load: the route answers the valid token with the expected body
 * and, when guarded, refuses no token and a tampered one, so the load below
 * really goes through verification.
 */
async function assertBehaviour(server: ServerChild, httpCase: HttpCase): Promise<void> {
  const url = `${server.url}${httpCase.path}`;
  const first = server.tokens[0] as string;
  for (const token of [first, server.tokens.at(-1) as string]) {
    const valid = await statusOf(url, `Bearer ${token}`);
    if (valid.status !== 200 || valid.body !== JSON.stringify(HELLO_BODY)) {
      throw new Error(`${httpCase.name}: a valid token was answered ${valid.status}`);
    }
  }
  if (!httpCase.guarded) return;
  for (const authorization of [undefined, `Bearer ${tamperSignature(first)}`]) {
    const refused = await statusOf(url, authorization);
    if (refused.status !== 401) {
      const what = authorization === undefined ? 'without a token' : 'with a tampered token';
      throw new Error(`${httpCase.name}: a request ${what} was answered ${refused.status}`);
    }
  }
}

/** One slice of load on one server, with the CPU time the server spent on it. */
interface Slice extends LoadSample {
  readonly serverCpuMicros: number;
}

const rate = (slice: Slice) => slice.requests / slice.seconds;
const sum = (slices: readonly Slice[], field: (slice: Slice) => number) => slices.reduce((t, s) => t + field(s), 0);
const cpuPerRequest = (slices: readonly Slice[]) =>
  sum(slices, (s) => s.serverCpuMicros) / sum(slices, (s) => s.requests);

/** Each round's ratio of `own` to `other`, which were measured moments apart. */
function roundRatios(own: readonly Slice[], other: readonly Slice[]): number[] {
  return own.map((slice, round) => rate(slice) / rate(other[round] as Slice));
}

function summarise(httpCase: HttpCase, slices: readonly (readonly Slice[])[], index: number): HttpRow {
  const own = slices[index] as readonly Slice[];
  const ratios = roundRatios(own, slices[0] as readonly Slice[]);
  const twin = httpCase.unguardedTwin === undefined ? undefined : slices[httpCase.unguardedTwin];
  const latenciesMs = own.flatMap((slice) => slice.latenciesMs);
  return {
    name: httpCase.name,
    kind: httpCase.kind,
    requestsPerSec: sum(own, (s) => s.requests) / sum(own, (s) => s.seconds),
    ratioToBare: median(ratios),
    ratioQuartiles: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
    ratioToUnguardedTwin: twin === undefined ? undefined : median(roundRatios(own, twin)),
    serverCpuUsPerRequest: cpuPerRequest(own),
    serverCpuUsAddedByCheck: twin === undefined ? undefined : cpuPerRequest(own) - cpuPerRequest(twin),
    p50Us: quantile(latenciesMs, 0.5) * 1000,
    p99Us: quantile(latenciesMs, 0.99) * 1000,
  };
}

/**
 * Requests/s and latency of one GET route on 127.0.0.1 for each case and
 * each traffic mix (distinct tokens, a hot tenth of users, one token), each
 * server in its own process while this process generates the load.
 *
 * All servers start first and stay up; after a warm-up of each, the load
 * moves from server to server and mix to mix in short slices, round after
 * round, in rotating order. Load from elsewhere on the shared machine, which
 * comes and goes over seconds, then falls on every case alike instead of on
 * whichever ran during it, and each ratio compares slices measured moments
 * apart.
 *
 * @example
 * const result = await runHttpBenchmark(benchProfile('full'), console.error);
 * const some = await runHttpBenchmark(profile, console.error, httpCasesOf(['guard-hs256']));
 */
export async function runHttpBenchmark(
  profile: BenchProfile,
  log: (line: string) => void,
  cases: readonly HttpCase[] = httpCases,
): Promise<HttpResult> {
  const { connections, warmupSec, sliceSec, rounds, users } = profile.http;
  const servers: ServerChild[] = [];
  try {
    for (const httpCase of cases) {
      const server = await startServerProcess({
        script: 'http/server-main.js',
        args: [httpCase.kind],
        profile,
        // The jwtgate app issues a session per user (10,000) before it listens, slow on a busy machine.
        timeoutMs: 600_000,
      });
      servers.push(server);
      await assertBehaviour(server, httpCase);
    }
    // One sequence per server and mix, carried over from slice to slice, so that
    // round robin over the users goes on where the last slice stopped.
    const sequences = servers.map((server) =>
      Object.fromEntries(trafficMixes.map((mix) => [mix, tokenSequence(server.tokens, mix)])),
    ) as Record<TrafficMix, () => string>[];
    const loadOf = async (index: number, mix: TrafficMix, durationSec: number): Promise<Slice> => {
      const server = servers[index] as ServerChild;
      const cpuBefore = await server.cpuMicros();
      const sample = await runLoad({
        url: `${server.url}${(cases[index] as HttpCase).path}`,
        nextToken: (sequences[index] as Record<TrafficMix, () => string>)[mix],
        connections,
        durationSec,
      });
      return { ...sample, serverCpuMicros: (await server.cpuMicros()) - cpuBefore };
    };
    if (warmupSec > 0) {
      for (let index = 0; index < cases.length; index += 1) await loadOf(index, 'distinct', warmupSec);
      log('  servers and load generator warmed up');
    }
    const slots = cases.flatMap((_, index) => trafficMixes.map((mix) => ({ index, mix })));
    const samples = Object.fromEntries(trafficMixes.map((mix) => [mix, cases.map(() => [] as Slice[])])) as Record<
      TrafficMix,
      Slice[][]
    >;
    for (let round = 0; round < rounds; round += 1) {
      for (let k = 0; k < slots.length; k += 1) {
        const { index, mix } = slots[
          (k + round * trafficMixes.length + round) % slots.length
        ] as (typeof slots)[number];
        samples[mix][index]?.push(await loadOf(index, mix, sliceSec));
      }
      log(`  round ${round + 1} of ${rounds}`);
    }
    const mixes = Object.fromEntries(
      trafficMixes.map((mix) => [mix, cases.map((httpCase, index) => summarise(httpCase, samples[mix], index))]),
    ) as Record<TrafficMix, HttpRow[]>;
    const guard = cases.findIndex((c) => c.kind === 'guard-hs256');
    const cacheOff = cases.findIndex((c) => c.kind === 'guard-hs256-cache-off');
    // A short run of a few servers may leave either out: then there is no comparison.
    const defaultOverCacheOff = Object.fromEntries(
      trafficMixes.map((mix) => [
        mix,
        guard === -1 || cacheOff === -1
          ? []
          : roundRatios(samples[mix][guard] as readonly Slice[], samples[mix][cacheOff] as readonly Slice[]),
      ]),
    ) as Record<TrafficMix, number[]>;
    return { connections, warmupSec, sliceSec, rounds, users, mixes, defaultOverCacheOff };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}
