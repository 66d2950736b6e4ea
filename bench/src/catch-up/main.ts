import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine } from '../support/machine.js';
import { repoRoot } from '../support/paths.js';
import { startPrivateRedis } from '../support/private-redis.js';
import { benchProfile } from '../support/profile.js';
import { type ServerChild, startServerProcess } from '../support/spawn-child.js';

// `node bench/dist/catch-up/main.js [entries]`: the revocation catch-up at scale. A private
// redis-server gets `entries` revocations (1,000,000 by default) spread over the last 14 minutes,
// as a fleet with a 15-minute access-token lifetime would hold after that many logouts; three
// jwtgate instances start on it one after the other, then every subscriber connection is killed
// at once (CLIENT KILL TYPE pubsub) and the three reconnect and catch up together. Bounded: the
// whole run gives up after five minutes. Writes bench/catch-up.md.

const entries = Number(process.argv[2] ?? 1_000_000);
const PREFIX = 'jwtgate:';
const log = (line: string) => process.stderr.write(`${line}\n`);
setTimeout(() => {
  log('the catch-up benchmark ran longer than 5 minutes; giving up');
  process.exit(1);
}, 5 * 60_000).unref();

function infoNumber(info: string, field: string): number {
  const line = info.split('\r\n').find((l) => l.startsWith(`${field}:`));
  if (line === undefined) throw new Error(`INFO has no ${field}`);
  return Number(line.slice(field.length + 1));
}

async function feedState(instance: ServerChild): Promise<string> {
  const response = await fetch(`${instance.url}/readyz`);
  const body = (await response.json()) as { revocationFeed?: { state?: string } };
  return `${response.status} ${body.revocationFeed?.state ?? '-'}`;
}

async function main(): Promise<void> {
  const redis = await startPrivateRedis();
  const dataDir = mkdtempSync(join(tmpdir(), 'jwtgate-bench-catch-up-'));
  const instances: ServerChild[] = [];
  const profile = benchProfile('full');
  try {
    const now = Date.now();
    const span = 14 * 60_000;
    for (let i = 0; i < entries; i += 10_000) {
      const batch: (string | number)[] = [];
      for (let j = i; j < Math.min(i + 10_000, entries); j++) batch.push(now - span + ((j * 7919) % span), `r${j}`);
      await redis.client.zadd(`${PREFIX}revoked`, ...batch);
    }
    log(`${entries.toLocaleString('en')} revocations in the log`);
    const cpu = async () => {
      const info = await redis.client.info('cpu');
      return infoNumber(info, 'used_cpu_user') + infoNumber(info, 'used_cpu_sys');
    };
    await redis.client.config('SET', 'slowlog-log-slower-than', '10000');

    // Start-up: each instance reads the whole log before it listens.
    const startups: number[] = [];
    for (const role of ['register', 'join', 'join']) {
      const started = performance.now();
      instances.push(
        await startServerProcess({
          script: 'catch-up/instance-main.js',
          args: [dataDir, redis.url, PREFIX, role],
          profile,
          timeoutMs: 120_000,
        }),
      );
      startups.push(performance.now() - started);
      log(`instance ${instances.length} started in ${Math.round(startups.at(-1) as number)} ms`);
    }

    // Three instances lose their subscriptions together and catch up together.
    await redis.client.slowlog('RESET');
    const cpuBefore = await cpu();
    const killedAt = performance.now();
    await redis.client.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    // Live again once all three have subscribed anew (the kill took the count to 0) and read the log.
    let resubscribed = false;
    const subscribers = async () => {
      const [, count] = (await redis.client.call('PUBSUB', 'NUMSUB', `${PREFIX}revocations`)) as [string, number];
      return Number(count);
    };
    const caughtUp = await Promise.all(
      instances.map(async (instance) => {
        for (;;) {
          resubscribed ||= (await subscribers()) === instances.length;
          if (resubscribed && (await feedState(instance)) === '200 live') return performance.now() - killedAt;
          if (performance.now() - killedAt > 120_000) throw new Error('an instance did not catch up within 2 minutes');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }),
    );
    const cpuSeconds = (await cpu()) - cpuBefore;
    const slow = (await redis.client.slowlog('GET', 1000)) as [number, number, number, string[]][];
    const longestMs = Math.max(0, ...slow.map((entry) => entry[2] / 1000));
    const machine = describeMachine();

    const ms = (value: number) => `${Math.round(value).toLocaleString('en')} ms`;
    const report = [
      '# Revocation catch-up at scale',
      '',
      `Written by \`node bench/dist/catch-up/main.js\` (after \`npx tsc -b bench\`) on ${new Date().toISOString().slice(0, 10)}: Node ${machine.node}, ${machine.cores} cores (${machine.cpu}), load average ${machine.loadAverage.map((l) => l.toFixed(1)).join(' / ')} when it started (the machine is shared), a private redis-server on 127.0.0.1, three jwtgate processes on the same machine.`,
      '',
      `${entries.toLocaleString('en')} revocations in the log (a 15-minute access-token lifetime's worth for a very busy fleet). Each instance reads the log in pages of 1,000 (\`ZRANGEBYSCORE … LIMIT\`), after subscribing.`,
      '',
      '| Measure | Result |',
      '| --- | --- |',
      `| Start-up of one instance, whole log read (each alone) | ${startups.map(ms).join(', ')} |`,
      `| Three instances reconnecting together: time until each is live again | ${caughtUp.map(ms).join(', ')} |`,
      `| Redis CPU time for the three catch-ups together | ${cpuSeconds.toFixed(2)} s |`,
      `| Longest single Redis command during them (SLOWLOG, over 10 ms) | ${slow.length === 0 ? 'none over 10 ms' : `${longestMs.toFixed(1)} ms (${slow.length} over 10 ms)`} |`,
      '',
      "Reading it: Redis CPU time is the figure a busy machine distorts least (about 1 µs of Redis per revocation read, in calls of 1,000). Wall times include every process waiting for one of the two cores (see the load average above), Node parsing the pages and filling each instance's revocation list, and the slow-log times include Redis being descheduled; no call held Redis for the hundreds of milliseconds or seconds one script over the whole log did.",
      '',
      'Before paging, the catch-up read the whole log in one Lua script: about 0.6 s of Redis time at 100,000 entries, during which Redis answered nobody else; past `Redis.Timeout` it failed and was retried at once, so at 300,000 an instance never caught up (the test `catching up with a long revocation log` in `packages/server/test/faults/revocation-feed.test.ts` shows it).',
      '',
    ].join('\n');
    writeFileSync(join(repoRoot, 'bench', 'catch-up.md'), report);
    process.stdout.write(report);
  } finally {
    for (const instance of instances) await instance.stop();
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(String(error instanceof Error ? error.stack : error));
    process.exit(1);
  },
);
