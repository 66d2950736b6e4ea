import type { BenchProfile } from '../support/profile.js';
import { type ServerChild, startServerProcess } from '../support/spawn-child.js';
import { median } from '../support/stats.js';
import { tamperSignature } from '../support/tamper.js';
import { type HttpCase, httpCases } from './cases.js';
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
  const valid = await statusOf(url, `Bearer ${server.token}`);
  if (valid.status !== 200 || valid.body !== JSON.stringify(HELLO_BODY)) {
    throw new Error(`${httpCase.name}: a valid token was answered ${valid.status}`);
  }
  if (!httpCase.guarded) return;
  for (const authorization of [undefined, `Bearer ${tamperSignature(server.token)}`]) {
    const refused = await statusOf(url, authorization);
    if (refused.status !== 401) {
      throw new Error(
        `${httpCase.name}: a request ${authorization ? 'with a tampered token' : 'without a token'} was answered ${refused.status}`,
      );
    }
  }
}

async function measureCase(
  httpCase: HttpCase,
  profile: BenchProfile,
  durationSec = profile.http.durationSec,
): Promise<LoadSample> {
  const server = await startServerProcess({
    script: 'http/server-main.js',
    args: [httpCase.kind],
    profile,
    timeoutMs: 60_000,
  });
  try {
    await assertBehaviour(server, httpCase);
    const load = {
      url: `${server.url}${httpCase.path}`,
      authorization: `Bearer ${server.token}`,
      connections: profile.http.connections,
    };
    if (profile.http.warmupSec > 0) await runLoad({ ...load, durationSec: profile.http.warmupSec });
    return await runLoad({ ...load, durationSec });
  } finally {
    await server.stop();
  }
}

/**
 * Requests/s and latency of one GET route on 127.0.0.1 for each case. Every
 * case runs once per round in a fresh server process, while this process
 * generates the load; the order of the cases rotates from round to round.
 *
 * @example
 * const result = await runHttpBenchmark(benchProfile('full'), console.error);
 */
export async function runHttpBenchmark(profile: BenchProfile, log: (line: string) => void): Promise<HttpResult> {
  if (profile.http.warmupSec > 0) {
    // The load generator's own code must be optimised before the first measured case, or that case pays for it.
    await measureCase(httpCases[0] as HttpCase, profile, profile.http.warmupSec * 3);
    log('  load generator warmed up');
  }
  const samples: LoadSample[][] = httpCases.map(() => []);
  for (let round = 0; round < profile.http.rounds; round += 1) {
    for (let k = 0; k < httpCases.length; k += 1) {
      const index = (k + round) % httpCases.length;
      const httpCase = httpCases[index] as HttpCase;
      const sample = await measureCase(httpCase, profile);
      samples[index]?.push(sample);
      log(`  round ${round + 1}: ${httpCase.name}: ${Math.round(sample.requestsPerSec)} req/s`);
    }
  }
  const bare = samples[0] as LoadSample[];
  const rows: HttpRow[] = httpCases.map((httpCase, index) => {
    const own = samples[index] as LoadSample[];
    return {
      name: httpCase.name,
      samples: own,
      medianRequestsPerSec: median(own.map((s) => s.requestsPerSec)),
      ratioToBare: median(own.map((s, round) => s.requestsPerSec / (bare[round] as LoadSample).requestsPerSec)),
      p50Us: median(own.map((s) => s.p50Us)),
      p99Us: median(own.map((s) => s.p99Us)),
    };
  });
  return {
    connections: profile.http.connections,
    durationSec: profile.http.durationSec,
    warmupSec: profile.http.warmupSec,
    rounds: profile.http.rounds,
    rows,
  };
}
