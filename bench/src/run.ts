import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderBarChart } from './chart.js';
import { httpCases, httpCasesOf } from './http/cases.js';
import type { HttpResult } from './http/http-result.js';
import { runHttpBenchmark } from './http/run-http.js';
import { type ServerKind, serverKinds } from './http/servers.js';
import type { LoginResult } from './login/login-result.js';
import type { MemoryResult } from './memory/memory-result.js';
import type { MicroResult } from './micro/micro-result.js';
import type { PropagationResult } from './propagation/propagation-result.js';
import type { RedisMemoryResult } from './redis-memory/redis-memory-result.js';
import { CHART_FILE, GUARD_TARGET, renderPartialResults, renderResults, spliceResults } from './report.js';
import type { RotationResult } from './rotation/rotation-result.js';
import { describeMachine } from './support/machine.js';
import { defaultResultsPath } from './support/paths.js';
import { benchProfile } from './support/profile.js';
import { runBenchmarkProcess } from './support/spawn-child.js';

// `npm run bench`: runs every benchmark, each in its own process, one after
// the other (never two at once on two cores), and writes bench/results.md.
// `--quick` is the smoke run: every benchmark for a moment, written to
// `--out` or printed, never over the committed results. `--only login,rotation`
// runs those benchmarks alone: written to `--out` or printed, or with the full
// profile and no `--out`, put in place of their sections of bench/results.md.
// `--only http --cases guard-hs256,floor-hs256-signature --rounds 8` measures
// those servers (with bare Fastify and their unguarded twins) in interleaved
// rounds and prints them: a few servers measured apart never replace the
// full run's HTTP tables.
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
    cases: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const baseProfile = benchProfile(values.quick ? 'quick' : 'full');
const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0)) {
  process.stderr.write(`--rounds takes a whole number above 0, not ${values.rounds}\n`);
  process.exit(2);
}
// Rounds are the load generator's business only; the servers never read them.
const profile = rounds === undefined ? baseProfile : { ...baseProfile, http: { ...baseProfile.http, rounds } };
const out = values.out ?? (profile.name === 'full' ? defaultResultsPath : undefined);
const log = (line: string) => process.stderr.write(`${line}\n`);
/** The benchmarks `--only` may name. */
const ALONE = ['login', 'rotation', 'http'] as const;
const only = values.only?.split(',').map((name) => name.trim());
for (const name of only ?? []) {
  if (!(ALONE as readonly string[]).includes(name)) {
    log(`--only takes ${ALONE.join(', ')} (comma-separated), not ${name}`);
    process.exit(2);
  }
}
const caseKinds = values.cases?.split(',').map((name) => name.trim());
for (const kind of caseKinds ?? []) {
  if (!(serverKinds as readonly string[]).includes(kind)) {
    log(`--cases takes server kinds (${serverKinds.join(', ')}), not ${kind}`);
    process.exit(2);
  }
}

// However a benchmark misbehaves, the run ends.
const WHOLE_RUN_LIMIT_MS = 30 * 60_000;
setTimeout(() => {
  log(`the benchmarks ran longer than ${WHOLE_RUN_LIMIT_MS / 60_000} minutes; giving up`);
  process.exit(1);
}, WHOLE_RUN_LIMIT_MS).unref();

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = describeMachine();
  log(`jwtgate benchmarks (${profile.name} profile), Node ${machine.node}, ${machine.cores} cores`);

  /** One benchmark in its own process, after the others (never two at once on two cores). */
  const step = <T>(label: string, script: string, timeoutMs: number, execArgv: readonly string[] = []) => {
    log(label);
    return runBenchmarkProcess<T>({ script, profile, timeoutMs, execArgv });
  };
  // Seeding 5,000 sessions per store, then 18 s of rotations per store: about a minute, twice that on a busy machine.
  const rotationStep = () => step<RotationResult>('refresh rotation on SQLite and Redis…', 'rotation/main.js', 300_000);
  const loginStep = () =>
    step<LoginResult>(
      'logins (argon2id) under each hashing setting, then beside better-auth…',
      'login/main.js',
      300_000,
    );
  const httpStep = (cases: typeof httpCases) => {
    log('HTTP on 127.0.0.1…');
    return runHttpBenchmark(profile, log, cases);
  };
  if (only !== undefined) {
    const rotation = only.includes('rotation') ? await rotationStep() : undefined;
    const login = only.includes('login') ? await loginStep() : undefined;
    const cases = caseKinds === undefined ? httpCases : httpCasesOf(caseKinds as ServerKind[]);
    const http = only.includes('http') ? await httpStep(cases) : undefined;
    const partial = { startedAt, profile, machine, rotation, login, http };
    if (values.out === undefined && profile.name === 'full' && http === undefined) {
      writeFileSync(defaultResultsPath, spliceResults(readFileSync(defaultResultsPath, 'utf8'), partial));
      log(`replaced the ${only.join(' and ')} sections of ${defaultResultsPath}`);
    } else if (values.out === undefined) process.stdout.write(renderPartialResults(partial));
    else writeFileSync(values.out, renderPartialResults(partial));
    return;
  }
  const micro = await step<MicroResult>('access-token verification and signing per call…', 'micro/main.js', 180_000);
  const rotation = await rotationStep();
  const memory = await step<MemoryResult>('revocation list memory and loading…', 'memory/main.js', 180_000, [
    '--expose-gc',
  ]);
  const login = await loginStep();
  const redisMemory = await step<RedisMemoryResult>(
    `${profile.redisSessions.toLocaleString('en')} sessions in a private redis-server…`,
    'redis-memory/main.js',
    // A million writes take a few minutes on a quiet machine and far longer when others share its two cores.
    900_000,
  );
  const propagation = await step<PropagationResult>(
    'revocation propagation between two instances…',
    'propagation/main.js',
    180_000,
  );
  const http: HttpResult = await httpStep(httpCases);

  const markdown = renderResults({
    startedAt,
    finishedAt: new Date(),
    profile,
    machine,
    micro,
    http,
    rotation,
    memory,
    login,
    redisMemory,
    propagation,
  });
  if (out === undefined) {
    process.stdout.write(markdown);
    return;
  }
  writeFileSync(out, markdown);
  const chart = renderBarChart(
    `Requests/s as a share of bare Fastify, ${http.users} users' distinct tokens (${http.connections} connections, ${machine.cores} cores)`,
    http.mixes.distinct.map((row, index) => ({
      label: httpCases[index]?.label ?? row.name,
      value: index === 0 ? 1 : row.ratioToBare,
      accent:
        httpCases[index]?.kind.startsWith('guard') === true || httpCases[index]?.kind.startsWith('jwtgate') === true,
    })),
    GUARD_TARGET,
  );
  const chartPath = join(dirname(out), CHART_FILE);
  writeFileSync(chartPath, chart);
  log(`wrote ${out} and ${chartPath}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
