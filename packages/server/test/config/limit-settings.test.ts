import { describe, expect, it } from 'vitest';
import { readLimitSettings } from '../../src/config/limit-settings.js';
import { problemsOf } from '../support/config-problems.js';
import { loadTestConfig } from '../support/test-server.js';

/** Raw settings with hashing concurrency left automatic (0). */
const AUTOMATIC_HASHING = {
  Login: {
    ...{ MaxFailures: 1, MaxFailuresPerIp: 1, FailureWindow: 1, MaxFailuresPerAccount: 1 },
    ...{ LockDuration: 60, MaxLockDuration: 300, KnownNetworkWindow: 600 },
  },
  Register: { MaxPerIp: 1, Window: 1 },
  Refresh: { MaxFailuresPerIp: 1, FailureWindow: 1, MaxPerSession: 0, SessionWindow: 1 },
  Hashing: { MaxConcurrent: 0, MaxQueue: 1 },
};
describe('the abuse limit settings', () => {
  it('reads the lock, refresh and hashing settings from the environment', () => {
    const config = loadTestConfig({
      JWTGATE_LOGIN_MAX_FAILURES_PER_ACCOUNT: '7',
      JWTGATE_LOGIN_LOCK_DURATION: '30',
      JWTGATE_LOGIN_MAX_LOCK_DURATION: '240',
      JWTGATE_LOGIN_KNOWN_NETWORK_WINDOW: '86400',
      JWTGATE_REFRESH_MAX_FAILURES_PER_IP: '9',
      JWTGATE_REFRESH_MAX_PER_SESSION: '40',
      JWTGATE_HASHING_MAX_CONCURRENT: '2',
      JWTGATE_HASHING_MAX_QUEUE: '5',
    });
    expect(config.login).toMatchObject({
      maxFailuresPerAccount: 7,
      lockDuration: 30,
      maxLockDuration: 240,
      knownNetworkWindow: 86_400,
    });
    expect(config.refresh).toEqual({ maxFailuresPerIp: 9, failureWindow: 900, maxPerSession: 40, sessionWindow: 600 });
    expect(config.hashing).toEqual({ maxConcurrent: 2, maxQueue: 5 });
  });

  it('hashes on every core but leaves libuv a thread when hashing concurrency is automatic', () => {
    const read = (cpus: number, env: Record<string, string> = {}) => {
      return readLimitSettings(AUTOMATIC_HASHING, { env, refreshAfterSec: 450, cpus }, [], []).hashing.maxConcurrent;
    };
    expect(read(2)).toBe(2);
    expect(read(1)).toBe(1);
    expect(read(3, { UV_THREADPOOL_SIZE: '8' })).toBe(3);
    expect(read(16)).toBe(3);
    expect(read(16, { UV_THREADPOOL_SIZE: '12' })).toBe(11);
    // libuv reads 0 and junk as one thread.
    expect(read(16, { UV_THREADPOOL_SIZE: '0' })).toBe(1);
    expect(read(16, { UV_THREADPOOL_SIZE: 'lots' })).toBe(1);
  });

  it('starts with a single libuv thread, warning that hashing shares it', () => {
    const warnings: string[] = [];
    const problems: string[] = [];
    const read = readLimitSettings(
      AUTOMATIC_HASHING,
      { env: { UV_THREADPOOL_SIZE: '1' }, refreshAfterSec: 450, cpus: 8 },
      problems,
      warnings,
    );
    expect(read.hashing.maxConcurrent).toBe(1);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([
      'UV_THREADPOOL_SIZE: 1 libuv thread, which password hashing shares with file and DNS work; raise it to at least 2',
    ]);
  });

  it('refuses a hashing bound that would take every libuv thread, naming the fix', () => {
    expect(problemsOf(() => loadTestConfig({ JWTGATE_HASHING_MAX_CONCURRENT: '4' }))).toEqual([
      'Hashing.MaxConcurrent: 4 would take all 4 libuv threads (UV_THREADPOOL_SIZE); set it to at most 3, or raise UV_THREADPOOL_SIZE',
    ]);
    expect(loadTestConfig({ JWTGATE_HASHING_MAX_CONCURRENT: '4', UV_THREADPOOL_SIZE: '8' }).hashing.maxConcurrent).toBe(
      4,
    );
  });

  it('refuses a lock cap shorter than the first lock', () => {
    expect(
      problemsOf(() => loadTestConfig({ JWTGATE_LOGIN_LOCK_DURATION: '600', JWTGATE_LOGIN_MAX_LOCK_DURATION: '60' })),
    ).toEqual(['Login.MaxLockDuration: 60 is shorter than Login.LockDuration (600)']);
  });

  it('warns when the per-session refresh limit is within reach of normal use', () => {
    const config = loadTestConfig({ JWTGATE_AUTH_ACCESS_EXPIRE: '60', JWTGATE_REFRESH_MAX_PER_SESSION: '30' });
    expect(config.warnings.some((w) => w.startsWith('Refresh.MaxPerSession: 30 per 600s'))).toBe(true);
    expect(loadTestConfig({}).warnings.some((w) => w.startsWith('Refresh.MaxPerSession'))).toBe(false);
  });
});
