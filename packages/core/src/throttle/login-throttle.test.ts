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
