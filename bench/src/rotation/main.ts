import type { SessionManager } from '@jwtgate/core';
import { buildUserRecord } from '@jwtgate/core/testing';
import { benchRedisUrl, connectBenchRedis, deleteKeysUnder, uniqueRedisPrefix } from '../support/bench-redis.js';
import { type JwtgateFixture, startJwtgateFixture } from '../support/jwtgate-fixture.js';
import type { BenchProfile } from '../support/profile.js';
import { runAsChild } from '../support/report-to-parent.js';
import { median, quantile } from '../support/stats.js';
import type { RotationResult, RotationRow } from './rotation-result.js';

/**
 * `workers` refreshes in flight at once until `until` (hrtime, ns), over a
 * queue of sessions: each worker takes the session waiting longest, rotates
 * its refresh token and puts it back with the successor, so with many
 * sessions every refresh is another user's, and no session is refreshed by
 * two workers at once (there are more sessions than workers).
 */
async function rotateUntil(
  sessions: SessionManager,
  queue: string[],
  workers: number,
  until: bigint,
  latenciesNs: number[],
): Promise<void> {
  const worker = async () => {
    for (;;) {
      const start = process.hrtime.bigint();
      if (start >= until) return;
      const refreshToken = queue.shift();
      if (refreshToken === undefined) throw new Error('more workers than sessions');
      queue.push((await sessions.refresh({ refreshToken, ip: '127.0.0.1' })).refreshToken);
      latenciesNs.push(Number(process.hrtime.bigint() - start));
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
}

async function measureRotations(
  sessions: SessionManager,
  queue: string[],
  store: RotationRow['store'],
  concurrency: number,
  durationMs: number,
): Promise<RotationRow> {
  const latenciesNs: number[] = [];
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  const until = start + BigInt(durationMs) * 1_000_000n;
  await rotateUntil(sessions, queue, concurrency, until, latenciesNs);
  const elapsedSec = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  if (latenciesNs.length === 0) throw new Error('no rotation finished');
  return {
    store,
    concurrency,
    sessions: queue.length,
    rotations: latenciesNs.length,
    rotationsPerSec: latenciesNs.length / elapsedSec,
    p50Us: quantile(latenciesNs, 0.5) / 1000,
    p99Us: quantile(latenciesNs, 0.99) / 1000,
    cpuUsPerRotation: (cpu.user + cpu.system) / latenciesNs.length,
  };
}

/**
 * Users and their sessions, written through the real stores before the
 * clock starts (each user with a password hash that nobody logs in with, so
 * no argon2id is spent); returns each session's first refresh token.
 */
async function seedSessions(fixture: JwtgateFixture, users: number, sessionsPerUser: number): Promise<string[]> {
  const { server } = fixture;
  const tokens: string[] = [];
  for (let u = 0; u < users; u += 1) {
    // The hash is never verified: these users only refresh.
    const user = buildUserRecord();
    await server.users.create(user);
    for (let s = 0; s < sessionsPerUser; s += 1) {
      tokens.push((await server.sessions.issue({ user, ip: '127.0.0.1', userAgent: 'bench' })).refreshToken);
    }
  }
  // Interleaved users, so consecutive refreshes are different users' as in real traffic.
  return tokens.sort(() => Math.random() - 0.5);
}

/** A warm-up first, then each concurrency in turn, `rounds` times in rotating order; one row per concurrency. */
async function measureStore(fixture: JwtgateFixture, store: RotationRow['store'], profile: BenchProfile) {
  const { durationMs, users, sessionsPerUser, concurrency, rounds } = profile.rotation;
  const queue = await seedSessions(fixture, users, sessionsPerUser);
  const { sessions } = fixture.server;
  await measureRotations(sessions, queue, store, 1, Math.max(50, durationMs / 5));
  const perConcurrency = new Map<number, RotationRow[]>();
  for (let round = 0; round < rounds; round += 1) {
    for (let i = 0; i < concurrency.length; i += 1) {
      const workers = concurrency[(round + i) % concurrency.length] as number;
      const row = await measureRotations(sessions, queue, store, workers, durationMs);
      perConcurrency.set(workers, [...(perConcurrency.get(workers) ?? []), row]);
    }
  }
  return concurrency.map((workers) => {
    const rows = perConcurrency.get(workers) ?? [];
    const rotations = rows.reduce((sum, row) => sum + row.rotations, 0);
    return {
      store,
      concurrency: workers,
      sessions: queue.length,
      rotations,
      // Per-round figures: the median of the rounds, which outside load moves least.
      rotationsPerSec: median(rows.map((row) => row.rotationsPerSec)),
      p50Us: median(rows.map((row) => row.p50Us)),
      p99Us: median(rows.map((row) => row.p99Us)),
      cpuUsPerRotation: median(rows.map((row) => row.cpuUsPerRotation)),
    } satisfies RotationRow;
  });
}

/**
 * Refresh rotation through the server's session manager (its refresh
 * throttle and audit included) on the real SQLite store (a file in WAL mode,
 * as the server runs it) and on the real Redis store (the local Redis, a key
 * prefix of its own, deleted afterwards), over many users' sessions: each
 * rotation reads the session and the user, compares hashes, swaps the token
 * generation and signs a new access token.
 */
async function measureRotation(profile: BenchProfile): Promise<RotationResult> {
  const { durationMs } = profile.rotation;
  const rows: RotationRow[] = [];
  const sqlite = await startJwtgateFixture();
  try {
    rows.push(...(await measureStore(sqlite, 'SQLite', profile)));
  } finally {
    await sqlite.close();
  }
  const prefix = uniqueRedisPrefix('rotation');
  const redis = await startJwtgateFixture({
    env: { JWTGATE_REDIS_URL: benchRedisUrl, JWTGATE_REDIS_KEY_PREFIX: prefix },
  });
  try {
    rows.push(...(await measureStore(redis, 'Redis', profile)));
  } finally {
    await redis.close();
    const client = connectBenchRedis();
    await deleteKeysUnder(client, prefix).finally(() => client.disconnect());
  }
  return { durationMs, rows };
}

runAsChild(measureRotation);
