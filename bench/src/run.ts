import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { HttpResult } from './http/http-result.js';
import { runHttpBenchmark } from './http/run-http.js';
import type { MemoryResult } from './memory/memory-result.js';
import type { MicroResult } from './micro/micro-result.js';
import { renderResults } from './report.js';
import type { RotationResult } from './rotation/rotation-result.js';
import { describeMachine } from './support/machine.js';
import { defaultResultsPath } from './support/paths.js';
import { benchProfile } from './support/profile.js';
import { runBenchmarkProcess } from './support/spawn-child.js';

// `npm run bench`: runs every benchmark, each in its own process, one after
// the other (never two at once on two cores), and writes bench/results.md.
// `--quick` is the smoke run: every benchmark for a moment, written to
// `--out` or printed, never over the committed results.
const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } },
});
const profile = benchProfile(values.quick ? 'quick' : 'full');
const out = values.out ?? (profile.name === 'full' ? defaultResultsPath : undefined);
const log = (line: string) => process.stderr.write(`${line}\n`);

// However a benchmark misbehaves, the run ends.
const WHOLE_RUN_LIMIT_MS = 10 * 60_000;
setTimeout(() => {
  log(`the benchmarks ran longer than ${WHOLE_RUN_LIMIT_MS / 60_000} minutes; giving up`);
  process.exit(1);
}, WHOLE_RUN_LIMIT_MS).unref();

async function main(): Promise<void> {
  const startedAt = new Date();
  const machine = describeMachine();
  log(`jwtgate benchmarks (${profile.name} profile), Node ${machine.node}, ${machine.cores} cores`);

  log('access-token verification and signing per call…');
  const micro = await runBenchmarkProcess<MicroResult>({ script: 'micro/main.js', profile, timeoutMs: 180_000 });
  log('refresh rotation on SQLite…');
  const rotation = await runBenchmarkProcess<RotationResult>({
    script: 'rotation/main.js',
    profile,
    timeoutMs: 120_000,
  });
  log('revocation list memory…');
  const memory = await runBenchmarkProcess<MemoryResult>({
    script: 'memory/main.js',
    profile,
    execArgv: ['--expose-gc'],
    timeoutMs: 60_000,
  });
  log('HTTP on 127.0.0.1…');
  const http: HttpResult = await runHttpBenchmark(profile, log);

  const markdown = renderResults({
    startedAt,
    finishedAt: new Date(),
    profile,
    machine,
    micro,
    http,
    rotation,
    memory,
  });
  if (out === undefined) {
    process.stdout.write(markdown);
  } else {
    writeFileSync(out, markdown);
    log(`wrote ${out}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
