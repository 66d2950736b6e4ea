import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import { authenticateUser } from '../user/authenticate.js';
import type { PasswordHasher } from '../user/password-hasher.js';
import type { UserStore } from '../user/user-store.js';
import { createLoginThrottle } from './login-throttle.js';
import { createMemoryAttemptStore } from './memory-attempt-store.js';

const policy = { maxFailuresPerAccountAndIp: 3, maxFailuresPerIp: 10, windowSec: 600 };
const attempt = { account: 'alice', ip: '203.0.113.7' };

describe('the login throttle', () => {
  it('admits no more attempts than the limit, counted before any of them is judged', async () => {
    const throttle = createLoginThrottle({ store: createMemoryAttemptStore(), clock: createManualClock(0), policy });
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => throttle.reserve(attempt)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_RATE_LIMITED' });
    }
  });

  it('takes back an attempt that was cancelled or succeeded', async () => {
    const store = createMemoryAttemptStore();
    const throttle = createLoginThrottle({ store, clock: createManualClock(0), policy });
    await (await throttle.reserve(attempt)).cancel();
    await (await throttle.reserve(attempt)).succeed();
    expect((await store.peek(['login:ip:203.0.113.7'], 0))[0]?.failures).toBe(0);
  });

  it('holds a site that guesses from one /64 after another of its /48 to ten times one network’s limit', async () => {
    // A free tunnel hands anyone a /48: 65,536 networks of /64, each with an allowance of its own.
    const throttle = createLoginThrottle({ store: createMemoryAttemptStore(), clock: createManualClock(0), policy });
    const admitted: number[] = [];
    for (let i = 0; i < 150; i++) {
      const ip = `2001:db8:7:${i.toString(16)}::1`;
      try {
        await throttle.reserve({ account: `user${i}`, ip });
        admitted.push(i);
      } catch (error) {
        expect(error).toMatchObject({ code: 'ERR_RATE_LIMITED' });
      }
    }
    expect(admitted).toHaveLength(10 * policy.maxFailuresPerIp);
    // Another /48 has its own count; IPv4 addresses have no wider one.
    await expect(throttle.reserve({ account: 'bob', ip: '2001:db8:8::1' })).resolves.toBeDefined();
    for (let i = 0; i < 10; i++) await throttle.reserve({ account: 'carol', ip: `198.51.${i}.7` });
  });

  it('counts nothing when the user store fails during a login', async () => {
    const store = createMemoryAttemptStore();
    const throttle = createLoginThrottle({ store, clock: createManualClock(0), policy });
    const failing = {
      findByUsernameKey: async () => {
        throw new AuthError('ERR_STORE_UNAVAILABLE');
      },
    } as unknown as UserStore;
    const hasher = { dummyHash: 'x', verify: async () => false } as unknown as PasswordHasher;
    for (let i = 0; i < 5; i++) {
      await expect(
        authenticateUser(
          { users: failing, hasher, clock: createManualClock(0), throttle },
          { username: 'alice', password: 'whatever you like', ip: attempt.ip },
        ),
      ).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    }
    const counts = await store.peek([`login:acct-ip:alice\u0000${attempt.ip}`, `login:ip:${attempt.ip}`], 0);
    expect(counts.map((c) => c.failures)).toEqual([0, 0]);
  });
});

describe('the per-username lock', () => {
  const lockPolicy = {
    maxFailuresPerAccountAndIp: 1000,
    maxFailuresPerIp: 1000,
    windowSec: 600,
    maxFailuresPerAccount: 3,
    lockSec: 60,
    maxLockSec: 300,
    knownNetworkSec: 30 * 86_400,
  };
  const home = { account: 'alice', ip: '198.51.100.10' };
  // Each guess from another address, as a botnet sends them.
  const fromElsewhere = (i: number) => ({ account: 'alice', ip: `203.0.113.${i % 250}` });

  async function refusal(promise: Promise<unknown>): Promise<{ code: string; retryAfter: number }> {
    const error = await promise.then(
      () => expect.unreachable('the attempt was admitted'),
      (e: unknown) => e as { code: string; headers?: Record<string, string> },
    );
    return { code: error.code, retryAfter: Number(error.headers?.['retry-after']) };
  }

  /** Fails `count` times from addresses the account never logged in from. */
  async function failFromElsewhere(throttle: ReturnType<typeof createLoginThrottle>, count: number, start = 0) {
    for (let i = 0; i < count; i++) await throttle.reserve(fromElsewhere(start + i));
  }

  it('locks a username guessed from many addresses, for every new address', async () => {
    const clock = createManualClock(0);
    const throttle = createLoginThrottle({ store: createMemoryAttemptStore(), clock, policy: lockPolicy });
    await failFromElsewhere(throttle, 3);
    expect(await refusal(throttle.reserve(fromElsewhere(50)))).toEqual({ code: 'ERR_RATE_LIMITED', retryAfter: 60 });
    expect(await refusal(throttle.reserve(fromElsewhere(51)))).toEqual({ code: 'ERR_RATE_LIMITED', retryAfter: 60 });
    clock.advance(30_000);
    expect((await refusal(throttle.reserve(fromElsewhere(52)))).retryAfter).toBe(30);
    clock.advance(30_000);
    await expect(throttle.reserve(fromElsewhere(53))).resolves.toBeDefined();
  });

  it('lets the owner in from a network they logged in from while the username is locked elsewhere', async () => {
    const clock = createManualClock(0);
    const throttle = createLoginThrottle({ store: createMemoryAttemptStore(), clock, policy: lockPolicy });
    await (await throttle.reserve(home)).succeed();
    clock.advance(86_400_000);
    await failFromElsewhere(throttle, 3);
    await refusal(throttle.reserve(fromElsewhere(9)));
    // A mistyped password at home neither counts towards the lock nor is held by it.
    await throttle.reserve(home);
    await expect((await throttle.reserve(home)).succeed()).resolves.toBeUndefined();
    expect((await refusal(throttle.reserve(fromElsewhere(10)))).code).toBe('ERR_RATE_LIMITED');
  });

  it('makes each further lock twice as long, never over the cap, and forgets them after a day', async () => {
    const clock = createManualClock(0);
    const throttle = createLoginThrottle({ store: createMemoryAttemptStore(), clock, policy: lockPolicy });
    const locks: number[] = [];
    for (let round = 0; round < 5; round++) {
      await failFromElsewhere(throttle, 3, round * 10);
      const { retryAfter } = await refusal(throttle.reserve(fromElsewhere(round * 10 + 5)));
      locks.push(retryAfter);
      clock.advance(retryAfter * 1000);
    }
    expect(locks).toEqual([60, 120, 240, 300, 300]);
    clock.advance(86_400_000);
    await failFromElsewhere(throttle, 3, 100);
    expect((await refusal(throttle.reserve(fromElsewhere(110)))).retryAfter).toBe(60);
  });

  it('starts one lock, not one per guess, when guesses arrive together', async () => {
    const clock = createManualClock(0);
    const store = createMemoryAttemptStore();
    const throttle = createLoginThrottle({ store, clock, policy: lockPolicy });
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => throttle.reserve(fromElsewhere(i))));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    expect((await store.peek(['login:locks:alice'], 0))[0]?.failures).toBe(1);
  });

  it('answers an unknown username exactly like an existing one', async () => {
    const clock = createManualClock(0);
    const throttle = createLoginThrottle({ store: createMemoryAttemptStore(), clock, policy: lockPolicy });
    for (let i = 0; i < 3; i++) await throttle.reserve({ account: 'nobody', ip: `203.0.113.${i}` });
    expect(await refusal(throttle.reserve({ account: 'nobody', ip: '203.0.113.99' }))).toEqual({
      code: 'ERR_RATE_LIMITED',
      retryAfter: 60,
    });
  });

  it('counts IPv6 guesses by /64 network towards the lock and towards the known networks', async () => {
    const clock = createManualClock(0);
    const throttle = createLoginThrottle({ store: createMemoryAttemptStore(), clock, policy: lockPolicy });
    await (await throttle.reserve({ account: 'alice', ip: '2001:db8:1:1::1' })).succeed();
    await failFromElsewhere(throttle, 3);
    await refusal(throttle.reserve(fromElsewhere(4)));
    await expect(throttle.reserve({ account: 'alice', ip: '2001:db8:1:1::beef' })).resolves.toBeDefined();
    await refusal(throttle.reserve({ account: 'alice', ip: '2001:db8:1:2::1' }));
  });
});
