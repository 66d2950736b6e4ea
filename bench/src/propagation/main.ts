import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HELLO_PATH } from '../http/hello-route.js';
import { connectBenchRedis, deleteKeysUnder, uniqueRedisPrefix } from '../support/bench-redis.js';
import { BENCH_PASSWORD, BENCH_USERNAME } from '../support/jwtgate-fixture.js';
import type { BenchProfile } from '../support/profile.js';
import { runAsChild } from '../support/report-to-parent.js';
import { type ServerChild, startServerProcess } from '../support/spawn-child.js';
import { quantile } from '../support/stats.js';
import type { PropagationResult } from './propagation-result.js';

async function login(a: ServerChild): Promise<string> {
  const response = await fetch(`${a.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: BENCH_USERNAME, password: BENCH_PASSWORD }),
  });
  if (response.status !== 200) throw new Error(`login on instance A answered ${response.status}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

async function statusOn(b: ServerChild, token: string): Promise<number> {
  const response = await fetch(`${b.url}${HELLO_PATH}`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

/** One trial: log in on A, see B accept, log out on A while polling B until it refuses. */
async function trial(a: ServerChild, b: ServerChild): Promise<{ ms: number; logoutMs: number; accepted: number }> {
  const token = await login(a);
  if ((await statusOn(b, token)) !== 200) throw new Error('instance B refused a fresh token from instance A');
  const start = performance.now();
  const logout = fetch(`${a.url}/auth/logout`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  }).then(async (response) => {
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`logout on instance A answered ${response.status}`);
    return performance.now() - start;
  });
  let accepted = 0;
  for (;;) {
    const status = await statusOn(b, token);
    if (status === 401) break;
    if (status !== 200) throw new Error(`instance B answered ${status}`);
    accepted += 1;
    if (performance.now() - start > 5_000) throw new Error('instance B still accepted the token 5 s after logout');
  }
  const ms = performance.now() - start;
  return { ms, logoutMs: await logout, accepted };
}

/**
 * Revocation propagation: two real jwtgate server processes sharing one
 * SQLite database and one Redis (a key prefix of their own); a logout on A,
 * then B polled in a tight loop until it refuses the token, many times.
 */
async function measurePropagation(profile: BenchProfile): Promise<PropagationResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jwtgate-bench-pair-'));
  const prefix = uniqueRedisPrefix('pair');
  const instances: ServerChild[] = [];
  try {
    for (const role of ['register', 'join']) {
      instances.push(
        await startServerProcess({
          script: 'propagation/instance-main.js',
          args: [dataDir, prefix, role],
          profile,
          timeoutMs: 60_000,
        }),
      );
    }
    const [a, b] = instances as [ServerChild, ServerChild];
    await trial(a, b);
    const times: number[] = [];
    const logouts: number[] = [];
    let accepted = 0;
    for (let i = 0; i < profile.propagationTrials; i += 1) {
      const result = await trial(a, b);
      times.push(result.ms);
      logouts.push(result.logoutMs);
      accepted += result.accepted;
    }
    return {
      trials: times.length,
      p50Ms: quantile(times, 0.5),
      p99Ms: quantile(times, 0.99),
      maxMs: Math.max(...times),
      logoutP50Ms: quantile(logouts, 0.5),
      acceptedAfterLogout: accepted,
    };
  } finally {
    await Promise.all(instances.map((instance) => instance.stop()));
    rmSync(dataDir, { recursive: true, force: true });
    const redis = connectBenchRedis();
    await deleteKeysUnder(redis, prefix).finally(() => redis.disconnect());
  }
}

runAsChild(measurePropagation);
