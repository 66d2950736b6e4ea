import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad } from '../http/load.js';
import { signAccessToken } from '../support/bench-tokens.js';
import { BENCH_ACCESS_SECRET, BENCH_REFRESH_SECRET } from '../support/jwtgate-fixture.js';
import { describeMachine } from '../support/machine.js';
import { repoRoot } from '../support/paths.js';
import { median } from '../support/stats.js';

// `npm run bench:gateway`: forward authentication measured against a bare
// route of the same server, and NGINX with auth_request against NGINX alone;
// writes bench/gateway-results.md. `--quick` proves it runs (numbers meaningless).
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } } });
const quick = values.quick;
const PROFILE = quick
  ? { users: 200, connections: 10, warmupSec: 1, sliceSec: 1, rounds: 1 }
  : { users: 2_000, connections: 50, warmupSec: 2, sliceSec: 2, rounds: 6 };
const out = values.out ?? (quick ? undefined : join(repoRoot, 'bench', 'gateway-results.md'));
/** The target: `/auth/verify` at 85 % of the bare route's requests/s or better. */
const VERIFY_TARGET = 0.85;
const log = (line: string) => process.stderr.write(`${line}\n`);

interface NginxProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}
/** What the benchmark uses of `examples/nginx/start-nginx.ts`, loaded from its compiled file. */
interface NginxStarter {
  startNginx(options: { jwtgate: string; upstream: string; noVerifyCache?: boolean }): Promise<NginxProcess>;
  freePort(): Promise<number>;
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${what} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A process of its own, so that the load generator and the servers do not share an event loop. */
function startProcess(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [script, ...(script.endsWith('main.js') ? ['start'] : [])], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

interface Case {
  readonly name: string;
  readonly url: string;
  readonly authorization: string | readonly string[];
  /** The processes that serve the case: their CPU time is what a request costs. */
  readonly pids: readonly number[];
}

interface CaseResult {
  /** The median round's requests per second. */
  readonly rate: number;
  /** CPU time of the serving processes per request, in microseconds, over every round. */
  readonly cpuMicros: number;
}

const TICKS_PER_SECOND = 100;

/** User and system CPU time of a process so far, in clock ticks (Linux `/proc/<pid>/stat`). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Every case gets one slice per round, in rotating order; the median
 * requests/s is reported, and the CPU time its processes spent per request:
 * on a machine shared with other work the rate depends on what the others
 * do, the CPU per request hardly.
 */
async function measure(cases: readonly Case[]): Promise<Map<string, CaseResult>> {
  for (const c of cases) {
    await runLoad({
      url: c.url,
      authorization: c.authorization,
      connections: PROFILE.connections,
      durationSec: PROFILE.warmupSec,
    });
  }
  const rates = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const cpu = new Map<string, { ticks: number; requests: number }>(
    cases.map((c) => [c.name, { ticks: 0, requests: 0 }]),
  );
  for (let round = 0; round < PROFILE.rounds; round++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + round) % cases.length] as Case;
      const ticksBefore = c.pids.reduce((sum, pid) => sum + cpuTicks(pid), 0);
      const sample = await runLoad({
        url: c.url,
        authorization: c.authorization,
        connections: PROFILE.connections,
        durationSec: PROFILE.sliceSec,
      });
      rates.get(c.name)?.push(sample.requests / sample.seconds);
      const spent = cpu.get(c.name) as { ticks: number; requests: number };
      spent.ticks += c.pids.reduce((sum, pid) => sum + cpuTicks(pid), 0) - ticksBefore;
      spent.requests += sample.requests;
    }
    log(`  round ${round + 1}/${PROFILE.rounds}`);
  }
  return new Map(
    [...rates].map(([name, list]) => {
      const spent = cpu.get(name) as { ticks: number; requests: number };
      return [name, { rate: median(list), cpuMicros: ((spent.ticks / TICKS_PER_SECOND) * 1e6) / spent.requests }];
    }),
  );
}

async function main(): Promise<void> {
  const machine = describeMachine();
  const startedAt = new Date();
  const dataDir = mkdtempSync(join(tmpdir(), 'jwtgate-bench-gateway-'));
  const children: ChildProcess[] = [];
  const nginxes: NginxProcess[] = [];
  try {
    const { startNginx, freePort } = (await import(
      pathToFileURL(join(repoRoot, 'examples/dist/nginx/start-nginx.js')).href
    )) as NginxStarter;
    const jwtgatePort = await freePort();
    const jwtgate = startProcess(join(repoRoot, 'packages/server/dist/cli/main.js'), {
      JWTGATE_HOST: '127.0.0.1',
      JWTGATE_PORT: String(jwtgatePort),
      JWTGATE_DATA_DIR: dataDir,
      JWTGATE_AUTH_ACCESS_SECRET: BENCH_ACCESS_SECRET,
      JWTGATE_AUTH_REFRESH_SECRET: BENCH_REFRESH_SECRET,
      JWTGATE_LOG_LEVEL: 'warn',
    });
    children.push(jwtgate);
    const upstreamPort = await freePort();
    const upstream = startProcess(join(repoRoot, 'examples/dist/nginx/upstream.js'), { PORT: String(upstreamPort) });
    children.push(upstream);
    await waitForPort(jwtgatePort, jwtgate, 'jwtgate');
    await waitForPort(upstreamPort, upstream, 'the upstream');
    const base = `http://127.0.0.1:${jwtgatePort}`;

    // Distinct tokens of distinct users and sessions, more than the verified-token cache holds:
    // a gateway in front of many services sees many users. The kind case, one token again and
    // again, is measured beside it.
    const tokens = Array.from({ length: PROFILE.users }, () => `Bearer ${signAccessToken().token}`);
    for (const authorization of [tokens[0] as string, tokens.at(-1) as string]) {
      const res = await fetch(`${base}/auth/verify`, { headers: { authorization } });
      if (res.status !== 200) throw new Error(`a benchmark token was refused: ${res.status}`);
    }

    const jwtgateAddress = `127.0.0.1:${jwtgatePort}`;
    const upstreamAddress = `127.0.0.1:${upstreamPort}`;
    const cached = await startNginx({ jwtgate: jwtgateAddress, upstream: upstreamAddress });
    nginxes.push(cached);
    const uncached = await startNginx({ jwtgate: jwtgateAddress, upstream: upstreamAddress, noVerifyCache: true });
    nginxes.push(uncached);

    log(`jwtgate: /auth/verify against /healthz (${PROFILE.users.toLocaleString('en')} distinct tokens)…`);
    const jwtgatePid = jwtgate.pid as number;
    const server = await measure([
      { name: 'bare', url: `${base}/healthz`, authorization: tokens, pids: [jwtgatePid] },
      { name: 'verify', url: `${base}/auth/verify`, authorization: tokens, pids: [jwtgatePid] },
      // The same per-request header rotation as the other cases, over one token, so the load generator does the same work.
      { name: 'verify-one', url: `${base}/auth/verify`, authorization: [tokens[0] as string], pids: [jwtgatePid] },
    ]);
    log('NGINX: auth_request against NGINX alone…');
    const upstreamPid = upstream.pid as number;
    const gateway = await measure([
      { name: 'nginx', url: `${cached.url}/public/orders`, authorization: tokens, pids: [cached.pid, upstreamPid] },
      {
        name: 'nginx-auth-cached',
        url: `${cached.url}/orders`,
        authorization: tokens,
        pids: [cached.pid, upstreamPid, jwtgatePid],
      },
      {
        name: 'nginx-auth',
        url: `${uncached.url}/orders`,
        authorization: tokens,
        pids: [uncached.pid, upstreamPid, jwtgatePid],
      },
    ]);

    const result = (map: Map<string, CaseResult>, name: string) => map.get(name) ?? { rate: 0, cpuMicros: 0 };
    const bare = result(server, 'bare');
    const alone = result(gateway, 'nginx');
    const row = (label: string, measured: CaseResult, baseline: CaseResult) =>
      `| ${label} | ${Math.round(measured.rate).toLocaleString('en')} | ${((measured.rate / baseline.rate) * 100).toFixed(0)} % | ${measured.cpuMicros.toFixed(0)} | ${((baseline.cpuMicros / measured.cpuMicros) * 100).toFixed(0)} % |`;
    const verify = result(server, 'verify');
    const verifyRatio = verify.rate / bare.rate;
    const verifyCpuRatio = bare.cpuMicros / verify.cpuMicros;
    const tokensLabel = PROFILE.users.toLocaleString('en');
    const markdown = [
      '# Gateway benchmarks',
      '',
      `Run by \`npm run bench:gateway\` (\`bench/src/gateway/main.ts\`) from ${startedAt.toISOString()} to ${new Date().toISOString()}`,
      `on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadAverage.map((l) => l.toFixed(2)).join(' ')} at the start.`,
      `${PROFILE.connections} keep-alive connections, ${PROFILE.rounds} rounds of ${PROFILE.sliceSec} s per case in rotating order after ${PROFILE.warmupSec} s of warm-up each; the median round's requests/s is reported,`,
      'and the CPU time (user + system, from `/proc`) the serving processes spent per request over all rounds.',
      "jwtgate is `jwtgate start` (one process, SQLite, HS256, metrics off), NGINX is Debian's (one process), the service is `examples/nginx/upstream.ts`;",
      'the load generator (autocannon) runs in a process of its own.',
      '',
      'The machine is shared: requests/s depend on what else runs, and are comparable only within one table (cases measured in turns).',
      'CPU per request hardly depends on it, and its ratio is the capacity ratio once the server is the bottleneck.',
      '',
      '## Forward authentication against a bare route of the same server',
      '',
      '| Case | Requests/s | Of the bare route | CPU µs/request (jwtgate) | Capacity, by CPU |',
      '| --- | ---: | ---: | ---: | ---: |',
      row('`GET /healthz` (the bare route, the same `Authorization` header)', bare, bare),
      row(`\`GET /auth/verify\`, ${tokensLabel} distinct tokens in turn`, verify, bare),
      row(
        '`GET /auth/verify`, one token again and again (every check a cache hit)',
        result(server, 'verify-one'),
        bare,
      ),
      '',
      `Target: \`/auth/verify\` with distinct tokens at ${VERIFY_TARGET * 100} % of the bare route or better: **${verifyRatio >= VERIFY_TARGET ? 'met' : 'missed'}** by requests/s (${(verifyRatio * 100).toFixed(0)} %),`,
      `**${verifyCpuRatio >= VERIFY_TARGET ? 'met' : 'missed'}** by CPU per request (${(verifyCpuRatio * 100).toFixed(0)} %).`,
      PROFILE.users > 1000
        ? `The ${tokensLabel} distinct tokens outnumber the cache of verified tokens (1000), so most requests check an HMAC signature and parse the claims;`
        : 'These few distinct tokens fit in the cache of verified tokens (1000): a quick run only;',
      '`/healthz` runs the hooks every API route has (request id and audit context, CORS, response headers), which `/auth/verify` skips.',
      'Where requests/s and CPU disagree, the load generator was the bottleneck: stepping through a list of prepared requests per connection',
      'costs autocannon far more than repeating one, which is most of why the one-token row leads by requests/s. The CPU column is the comparison that holds.',
      '',
      '## NGINX with auth_request against NGINX alone',
      '',
      '| Case | Requests/s | Of NGINX alone | CPU µs/request (NGINX, service, jwtgate) | Capacity, by CPU |',
      '| --- | ---: | ---: | ---: | ---: |',
      row('NGINX alone (`/public/`, no auth_request)', alone, alone),
      row('NGINX + auth_request, verify answers cached 5 s (the example)', result(gateway, 'nginx-auth-cached'), alone),
      row('NGINX + auth_request, no cache (a subrequest to jwtgate each time)', result(gateway, 'nginx-auth'), alone),
      '',
      `Every request carries one of the ${tokensLabel} tokens in turn, NGINX alone included. With the cache, a token's first request in each 5 s`,
      'asks jwtgate and writes a cache file (the cache lives on disk, keyed by the whole header); the others read it.',
      'Without it, every request costs a subrequest to jwtgate.',
      'The cache pays only when a token comes back within its 5 s: here each token comes back less often than that, so nearly every request',
      'misses and writes a file, which costs more than the subrequest it was meant to save. For many users each making a request now and then,',
      'leave the cache out; for a few clients making many requests each, keep it.',
      '',
    ].join('\n');
    if (out === undefined) process.stdout.write(markdown);
    else {
      writeFileSync(out, markdown);
      log(`wrote ${out}`);
    }
  } finally {
    await Promise.all(nginxes.map((n) => n.stop()));
    await Promise.all(children.map(stopProcess));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
