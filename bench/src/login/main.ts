import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startJwtgateFixture } from '../support/jwtgate-fixture.js';
import type { BenchProfile } from '../support/profile.js';
import { runAsChild } from '../support/report-to-parent.js';
import { quantile } from '../support/stats.js';
import type { LoginResult } from './login-result.js';

/**
 * Logins through the real route (`POST /auth/login`, SQLite, argon2id with
 * the server's default parameters), `concurrency` at a time for
 * `durationMs`, while the event loop's delay is sampled: argon2id runs off
 * the loop, so other requests must keep being served while it hashes.
 */
async function measureLogins(profile: BenchProfile): Promise<LoginResult> {
  const fixture = await startJwtgateFixture();
  try {
    const { durationMs, concurrency } = profile.login;
    await fixture.login();
    const loop = monitorEventLoopDelay({ resolution: 1 });
    const latenciesMs: number[] = [];
    const start = performance.now();
    const until = start + durationMs;
    loop.enable();
    const worker = async () => {
      while (performance.now() < until) {
        const begun = performance.now();
        await fixture.login();
        latenciesMs.push(performance.now() - begun);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    loop.disable();
    const seconds = (performance.now() - start) / 1000;
    const ms = (ns: number) => ns / 1e6;
    return {
      concurrency,
      logins: latenciesMs.length,
      loginsPerSec: latenciesMs.length / seconds,
      p50Ms: quantile(latenciesMs, 0.5),
      p99Ms: quantile(latenciesMs, 0.99),
      loopDelayP50Ms: ms(loop.percentile(50)),
      loopDelayP99Ms: ms(loop.percentile(99)),
      loopDelayMaxMs: ms(loop.max),
    };
  } finally {
    await fixture.close();
  }
}

runAsChild(measureLogins);
