import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createSqlUserStore, openSqlDatabase } from '@jwtgate/server';
import { BENCH_ACCESS_SECRET, BENCH_REFRESH_SECRET } from '../support/jwtgate-fixture.js';
import { describeMachine } from '../support/machine.js';
import { repoRoot } from '../support/paths.js';
import { generateUsers } from './generate-users.js';
import { type BenchDatabase, createBenchDatabase, type ImportBackend, serverUrls } from './import-databases.js';

// `npm run bench:import`: `jwtgate user import` of a million generated users
// (JSON Lines and CSV, real bcrypt and argon2id hashes) into SQLite, and into
// PostgreSQL and MariaDB when JWTGATE_BENCH_POSTGRES_URL / JWTGATE_BENCH_MYSQL_URL
// name a server the benchmark may create a database on; then the same import
// again (every row skipped). Writes bench/import-results.md. `--quick` proves
// it runs (a few thousand rows, numbers meaningless); `--rows` sets the count.
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rows: { type: 'string' },
    out: { type: 'string' },
    'max-minutes': { type: 'string' },
    /** Only these cases, e.g. `sqlite:csv,postgres:jsonl` (a failed case measured again). */
    cases: { type: 'string' },
  },
});
const quick = values.quick;
const rows = values.rows === undefined ? (quick ? 5_000 : 1_000_000) : Number(values.rows);
if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows must be a positive integer');
const out =
  values.out ?? (quick || values.rows !== undefined ? undefined : join(repoRoot, 'bench', 'import-results.md'));
/** One import may take this long before it is stopped and reported as such. */
const RUN_LIMIT_MS = (quick ? 2 : 20) * 60_000;
/** No case starts past this (`--max-minutes`); the one under way finishes. */
const TOTAL_LIMIT_MS = Number(values['max-minutes'] ?? (quick ? 5 : 90)) * 60_000;
const cli = join(repoRoot, 'packages/server/dist/cli/main.js');
const preload = pathToFileURL(join(repoRoot, 'bench/dist/import/report-peak-rss.js')).href;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** What one `jwtgate user import` run did and cost. */
interface ImportRun {
  readonly wallMs: number;
  readonly peakRssKiB: number;
  readonly summary: { read: number; inserted: number; updated: number; skipped: number; rejected: number };
}

function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Runs the real CLI in a process of its own, timing it from spawn to exit. */
async function runImport(file: string, databaseUrl: string, work: string): Promise<ImportRun> {
  const rssFile = join(work, `rss-${Date.now()}`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', preload, cli, 'user', 'import', file], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      BENCH_PEAK_RSS_FILE: rssFile,
      JWTGATE_DATA_DIR: work,
      JWTGATE_DATABASE_URL: databaseUrl,
      JWTGATE_DATABASE_TIMEOUT: '30000',
      JWTGATE_AUTH_ACCESS_SECRET: BENCH_ACCESS_SECRET,
      JWTGATE_AUTH_REFRESH_SECRET: BENCH_REFRESH_SECRET,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  // Its progress lines (every 10 s off a terminal) show the run is alive.
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`  ${chunk.toString().trimEnd()}\n`));
  const timer = setTimeout(() => stop(child), RUN_LIMIT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  const wallMs = performance.now() - started;
  if (code !== 0)
    throw new Error(`jwtgate user import exited with ${code}${wallMs >= RUN_LIMIT_MS ? ' (time limit)' : ''}`);
  return {
    wallMs,
    peakRssKiB: Number(readFileSync(rssFile, 'utf8')),
    summary: JSON.parse(stdout.trim().split('\n').pop() as string),
  };
}

/** Reads back what was stored: the count, and the first and last user exactly as written. */
async function checkStored(databaseUrl: string): Promise<void> {
  const database = openSqlDatabase({ url: databaseUrl, timeoutMs: 30_000 });
  try {
    const { count } = (await database.db
      .selectFrom('jwtgate_users')
      .select((eb) => eb.fn.countAll<string | number | bigint>().as('count'))
      .executeTakeFirstOrThrow()) as { count: string | number | bigint };
    if (Number(count) !== rows) throw new Error(`${count} users stored, not ${rows}`);
    const users = createSqlUserStore(database.db);
    for (const [i, id] of [
      [0, '1600000000000000000'],
      [rows - 1, (1_600_000_000_000_000_000n + BigInt(rows - 1) * 4_096n).toString()],
    ] as const) {
      const user = await users.findById(id);
      if (user?.username !== `user${String(i).padStart(7, '0')}` || !user.passwordHash.startsWith('$')) {
        throw new Error(`user ${id} was not stored as generated`);
      }
    }
  } finally {
    await database.close();
  }
}

interface CaseResult {
  readonly backend: ImportBackend;
  readonly format: 'jsonl' | 'csv';
  readonly first: ImportRun;
  readonly again: ImportRun;
}

const work = mkdtempSync(join(tmpdir(), 'jwtgate-import-bench-'));
const deadline = Date.now() + TOTAL_LIMIT_MS;
const results: CaseResult[] = [];
const skipped: string[] = [];
const machine = describeMachine();
try {
  log(`generating ${rows.toLocaleString('en')} users…`);
  const generated = await generateUsers(work, rows);
  const servers = serverUrls(process.env);
  // The format is parsed the same whatever the database: CSV is measured on SQLite only, last.
  const cases: (readonly [ImportBackend, 'jsonl' | 'csv'])[] = [
    ['sqlite', 'jsonl'],
    ...(servers.postgres === undefined ? [] : ([['postgres', 'jsonl']] as const)),
    ...(servers.mysql === undefined ? [] : ([['mysql', 'jsonl']] as const)),
    ['sqlite', 'csv'],
  ];
  const only = values.cases?.split(',').map((c) => c.trim());
  for (const [backend, format] of cases.filter(([b, f]) => only === undefined || only.includes(`${b}:${f}`))) {
    if (Date.now() > deadline) {
      skipped.push(`${backend} ${format}: the benchmark's time limit was reached`);
      continue;
    }
    log(`${backend}, ${format}: importing…`);
    let database: BenchDatabase | undefined;
    try {
      database = await createBenchDatabase(backend, servers[backend as 'postgres' | 'mysql'], work);
      const file = generated[format].path;
      const first = await runImport(file, database.url, work);
      if (first.summary.inserted !== rows || first.summary.rejected !== 0) {
        throw new Error(`first import: ${JSON.stringify(first.summary)}`);
      }
      log(`${backend}, ${format}: again (every row already stored)…`);
      const again = await runImport(file, database.url, work);
      if (again.summary.skipped !== rows || again.summary.inserted !== 0) {
        throw new Error(`second import: ${JSON.stringify(again.summary)}`);
      }
      await checkStored(database.url);
      results.push({ backend, format, first, again });
    } catch (error) {
      skipped.push(`${backend} ${format}: ${(error as Error).message}`);
      log(`${backend}, ${format}: failed: ${(error as Error).message}`);
    } finally {
      await database?.drop().catch(() => {});
    }
  }
  if (!servers.postgres && only === undefined) skipped.push('postgres: JWTGATE_BENCH_POSTGRES_URL is not set');
  if (!servers.mysql && only === undefined) skipped.push('mysql: JWTGATE_BENCH_MYSQL_URL is not set');

  const mib = (kib: number) => (kib / 1024).toFixed(0);
  const perSecond = (run: ImportRun) => Math.round(rows / (run.wallMs / 1000)).toLocaleString('en');
  const seconds = (run: ImportRun) => (run.wallMs / 1000).toFixed(1);
  const names: Record<ImportBackend, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MariaDB' };
  const markdown = [
    '# Importing a million users: results',
    '',
    `Written by \`npm run bench:import\` on ${new Date().toISOString().slice(0, 10)}; see [README.md](README.md#importing-users-npm-run-benchimport) for the method.`,
    '',
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(0)} GiB, ${machine.os}; Node ${machine.node}. Load average at the start: ${machine.loadAverage.map((l) => l.toFixed(1)).join(', ')} (the machine is shared).`,
    `- Rows: ${rows.toLocaleString('en')} users (int64 ids beyond 2^53, username, email, role, created_at, disabled), hashes in turn: ${generated.hashKinds.join('; ')}.`,
    `- Files: JSON Lines ${(generated.jsonl.bytes / 2 ** 20).toFixed(0)} MiB, CSV ${(generated.csv.bytes / 2 ** 20).toFixed(0)} MiB.`,
    "- Each run is the real `jwtgate user import <file>` in a process of its own, batches of 1000 (the default), into a fresh database; wall time from spawn to exit (start-up and migrations included); peak RSS is the process's `ru_maxrss`. The re-run imports the same file again: every row is skipped as already stored.",
    '',
    '| Database | Format | Import | Rows/s | Peak RSS | Re-run (all skipped) | Re-run rows/s | Re-run peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${names[r.backend]} | ${r.format === 'jsonl' ? 'JSON Lines' : 'CSV'} | ${seconds(r.first)} s | ${perSecond(r.first)} | ${mib(r.first.peakRssKiB)} MiB | ${seconds(r.again)} s | ${perSecond(r.again)} | ${mib(r.again.peakRssKiB)} MiB |`,
    ),
    '',
    ...(skipped.length === 0 ? [] : ['Not measured in this run:', '', ...skipped.map((s) => `- ${s}`), '']),
  ].join('\n');
  if (out === undefined) process.stdout.write(markdown);
  else writeFileSync(out, markdown);
  if (results.length === 0) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
