import type { SessionManager } from '@jwtgate/core';
import { benchRedisUrl, connectBenchRedis, deleteKeysUnder, uniqueRedisPrefix } from '../support/bench-redis.js';
import { type JwtgateFixture, startJwtgateFixture } from '../support/jwtgate-fixture.js';
import type { BenchProfile } from '../support/profile.js';
import { runAsChild } from '../support/report-to-parent.js';
import { quantile } from '../support/stats.js';
import type { RotationResult, RotationRow } from './rotation-result.js';

/** Rotates one session's refresh token again and again until `until` (hrtime, ns). */
async function rotateUntil(
  sessions: SessionManager,
  first: string,
  until: bigint,
  latenciesNs: number[],
): Promise<void> {
  let refreshToken = first;
  for (;;) {
    const start = process.hrtime.bigint();
    if (start >= until) return;
    refreshToken = (await sessions.refresh({ refreshToken })).refreshToken;
    latenciesNs.push(Number(process.hrtime.bigint() - start));
  }
}

async function measureRotations(
  fixture: JwtgateFixture,
  store: RotationRow['store'],
  concurrency: number,
  durationMs: number,
): Promise<RotationRow> {
  const { sessions } = fixture.server;
  // Logins (argon2id) happen before the clock starts; only rotations are timed.
  const chains: string[] = [];
  for (let i = 0; i < concurrency; i += 1) chains.push((await fixture.login()).refreshToken);
  const latenciesNs: number[] = [];
  const start = process.hrtime.bigint();
  const until = start + BigInt(durationMs) * 1_000_000n;
  await Promise.all(chains.map((token) => rotateUntil(sessions, token, until, latenciesNs)));
  const elapsedSec = Number(process.hrtime.bigint() - start) / 1e9;
  if (latenciesNs.length === 0) throw new Error('no rotation finished');
  return {
    store,
    concurrency,
    rotations: latenciesNs.length,
    rotationsPerSec: latenciesNs.length / elapsedSec,
    p50Us: quantile(latenciesNs, 0.5) / 1000,
    p99Us: quantile(latenciesNs, 0.99) / 1000,
  };
}

/** Warm-up first, then one chain, then eight concurrent chains, on one store. */
async function measureStore(fixture: JwtgateFixture, store: RotationRow['store'], durationMs: number) {
  await measureRotations(fixture, store, 1, Math.max(50, durationMs / 5));
  return [await measureRotations(fixture, store, 1, durationMs), await measureRotations(fixture, store, 8, durationMs)];
}

/**
 * Refresh rotation on the real SQLite store (a file in WAL mode, as the
 * server runs it) and on the real Redis store (the local Redis, a key prefix
 * of its own, deleted afterwards): each rotation reads the session and the
 * user, compares hashes, swaps the token generation and signs a new access
 * token.
 */
async function measureRotation(profile: BenchProfile): Promise<RotationResult> {
  const durationMs = profile.rotation.durationMs;
  const rows: RotationRow[] = [];
  const sqlite = await startJwtgateFixture();
  try {
    rows.push(...(await measureStore(sqlite, 'SQLite', durationMs)));
  } finally {
    await sqlite.close();
  }
  const prefix = uniqueRedisPrefix('rotation');
  const redis = await startJwtgateFixture({
    env: { JWTGATE_REDIS_URL: benchRedisUrl, JWTGATE_REDIS_KEY_PREFIX: prefix },
  });
  try {
    rows.push(...(await measureStore(redis, 'Redis', durationMs)));
  } finally {
    await redis.close();
    const client = connectBenchRedis();
    await deleteKeysUnder(client, prefix).finally(() => client.disconnect());
  }
  return { durationMs, rows };
}

runAsChild(measureRotation);
