import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { type JwtgateFixture, startJwtgateFixture } from '../support/jwtgate-fixture.js';
import type { BenchProfile } from '../support/profile.js';
import { runAsChild } from '../support/report-to-parent.js';
import { quantile } from '../support/stats.js';
import { alternateProbes } from './alternate-probes.js';
import type { LoginResult, LoginRow } from './login-result.js';
import { measurePeerLogins } from './peer-logins.js';

/**
 * Records how late a 1 ms timer fires, again and again until `until`: what
 * `monitorEventLoopDelay` measures, but into a histogram that can sum several
 * slices (one that is disabled between slices counts the pause as a delay).
 */
function sampleLoopDelay(histogram: RecordableHistogram, until: number): Promise<void> {
  return new Promise((resolve) => {
    let last = performance.now();
    const tick = () => {
      const now = performance.now();
      histogram.record(Math.max(1, Math.round((now - last - 1) * 1e6)));
      last = now;
      if (now < until) setTimeout(tick, 1);
      else resolve();
    };
    setTimeout(tick, 1);
  });
}

/** What one setting accumulates over its slices. */
interface Tally {
  readonly maxConcurrent: number;
  readonly fixture: JwtgateFixture;
  readonly accessToken: string;
  readonly loginMs: number[];
  readonly probeMs: number[];
  /** The event loop's delay during this setting's slices, in nanoseconds. */
  readonly loop: RecordableHistogram;
  busyMs: number;
}

/**
 * One slice of load on one server: `concurrency` clients log in back to back
 * while a probe asks `/healthz` and `/auth/me` (the guard, with a valid
 * access token) in turn, one request at a time, every few milliseconds; the
 * event loop's delay is sampled throughout.
 */
async function slice(tally: Tally, concurrency: number, sliceMs: number): Promise<void> {
  const { fixture } = tally;
  const start = performance.now();
  const until = start + sliceMs;
  const sampling = sampleLoopDelay(tally.loop, until);
  const client = async () => {
    while (performance.now() < until) {
      const begun = performance.now();
      await fixture.login();
      tally.loginMs.push(performance.now() - begun);
    }
  };
  // Both routes count alike here: one column gives their latencies together.
  const probe = () =>
    alternateProbes(
      until,
      async (guarded) => {
        const response = await fixture.server.app.inject(
          guarded
            ? { method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${tally.accessToken}` } }
            : { method: 'GET', url: '/healthz' },
        );
        if (response.statusCode !== 200) throw new Error(`a probe answered ${response.statusCode}`);
      },
      tally.probeMs,
      tally.probeMs,
    );
  await Promise.all([...Array.from({ length: concurrency }, client), probe()]);
  await sampling;
  tally.busyMs += performance.now() - start;
}

/**
 * Logins through the real route (`POST /auth/login`, SQLite, argon2id with
 * the server's default parameters) under each `Hashing.MaxConcurrent`
 * setting, one server per setting in this one process, measured in
 * interleaved rounds so that other work on the shared machine falls on every
 * setting alike. Alongside: the event loop's delay, and the latency of
 * `/healthz` and a guarded route during the flood (`inject`, so it is the
 * server's own delay, without a network or a load generator's).
 */
async function measureLogins(profile: BenchProfile): Promise<LoginResult> {
  const { sliceMs, rounds, concurrency } = profile.login;
  // What `Hashing.MaxConcurrent: 0` picks here is always among the settings measured.
  const probe = await startJwtgateFixture({ register: false });
  const automatic = probe.server.config.hashing.maxConcurrent;
  await probe.close();
  const settings = [...new Set([...profile.login.settings, automatic])].sort((a, b) => a - b);
  const tallies: Tally[] = [];
  try {
    for (const maxConcurrent of settings) {
      const fixture = await startJwtgateFixture({ env: { JWTGATE_HASHING_MAX_CONCURRENT: String(maxConcurrent) } });
      const { accessToken } = await fixture.login();
      tallies.push({
        maxConcurrent,
        fixture,
        accessToken,
        loginMs: [],
        probeMs: [],
        loop: createHistogram(),
        busyMs: 0,
      });
    }
    // Warm-up: every server logs in for a moment before anything counts.
    for (const tally of tallies) {
      await slice({ ...tally, loginMs: [], probeMs: [], loop: createHistogram() }, concurrency, Math.min(sliceMs, 500));
    }
    for (let round = 0; round < rounds; round += 1) {
      for (let i = 0; i < tallies.length; i += 1) {
        await slice(tallies[(round + i) % tallies.length] as Tally, concurrency, sliceMs);
      }
    }
  } finally {
    for (const tally of tallies) await tally.fixture.close();
  }
  const ms = (ns: number) => ns / 1e6;
  const rows = tallies.map(
    (tally): LoginRow => ({
      maxConcurrent: tally.maxConcurrent,
      isDefault: tally.maxConcurrent === automatic,
      logins: tally.loginMs.length,
      loginsPerSec: tally.loginMs.length / (tally.busyMs / 1000),
      p50Ms: quantile(tally.loginMs, 0.5),
      p99Ms: quantile(tally.loginMs, 0.99),
      loopDelayP50Ms: ms(tally.loop.percentile(50)),
      loopDelayP99Ms: ms(tally.loop.percentile(99)),
      loopDelayMaxMs: ms(tally.loop.max),
      probeP50Ms: quantile(tally.probeMs, 0.5),
      probeP99Ms: quantile(tally.probeMs, 0.99),
      probes: tally.probeMs.length,
    }),
  );
  // Then, over HTTP, jwtgate at its defaults beside better-auth on the same hash cost.
  const peers = await measurePeerLogins(profile, automatic);
  return { concurrency, rounds, sliceMs, rows, peers };
}

runAsChild(measureLogins);
