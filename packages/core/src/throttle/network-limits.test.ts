import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { networkLimits } from './client-network.js';
import { createMailThrottle } from './mail-throttle.js';
import { createMemoryAttemptStore } from './memory-attempt-store.js';
import { createRegistrationThrottle } from './registration-throttle.js';

/** One address in each of `count` /64s of one /48: what anyone with a free tunnel can send from. */
const rotating = (count: number) => Array.from({ length: count }, (_, i) => `2001:db8:48:${i.toString(16)}::1`);

/** How many of `attempts` were let through. */
async function admitted(attempts: (() => Promise<unknown>)[]): Promise<number> {
  let passed = 0;
  for (const attempt of attempts) {
    try {
      await attempt();
      passed += 1;
    } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_RATE_LIMITED' });
    }
  }
  return passed;
}

describe('per-network limits', () => {
  it('count an IPv6 client under its /64 and its /48, an IPv4 client under its address alone', () => {
    expect(networkLimits('x', '2001:db8:7:1::2a', 5)).toEqual([
      { key: 'x:2001:db8:7:1::/64', limit: 5 },
      { key: 'x:2001:db8:7::/48', limit: 50 },
    ]);
    expect(networkLimits('x', '198.51.100.7', 5)).toEqual([{ key: 'x:198.51.100.7', limit: 5 }]);
    expect(networkLimits('x', null, 5)).toEqual([{ key: 'x:unknown', limit: 5 }]);
  });

  it('hold registrations from one /64 after another of a /48 to ten networks’ allowance', async () => {
    const throttle = createRegistrationThrottle({
      store: createMemoryAttemptStore(),
      clock: createManualClock(0),
      policy: { maxPerIp: 2, windowSec: 3600 },
    });
    expect(await admitted(rotating(40).map((ip) => () => throttle.reserve(ip)))).toBe(20);
    await expect(throttle.reserve('2001:db8:49::1')).resolves.toBeDefined();
  });

  it('hold mail requests from one /64 after another of a /48 to ten networks’ allowance', async () => {
    const throttle = createMailThrottle({
      store: createMemoryAttemptStore(),
      clock: createManualClock(0),
      policy: { maxPerAddress: 5, maxPerIp: 2, windowSec: 3600 },
    });
    const requests = rotating(40).map((ip, i) => () => throttle.reserve('sign-in', `a${i}@example.com`, ip));
    expect(await admitted(requests)).toBe(20);
    await expect(throttle.reserve('sign-in', 'b@example.com', '2001:db8:49::1')).resolves.toBeUndefined();
  });
});

describe('tries of mailed codes', () => {
  it('hold one address to four windows’ worth a day, however the tries are spread over the hours', async () => {
    // Five tries an hour for a year would be 43,800 guesses at a 6-digit code: a 4 % chance at the account.
    const clock = createManualClock(0);
    const throttle = createMailThrottle({
      store: createMemoryAttemptStore(),
      clock,
      policy: { maxPerAddress: 5, maxPerIp: 1000, windowSec: 3600 },
    });
    const tries: (() => Promise<unknown>)[] = [];
    for (let hour = 0; hour < 6; hour++) {
      for (let i = 0; i < 5; i++) tries.push(() => throttle.reserve('sign-in-code', 'a@example.com', '198.51.100.7'));
      tries.push(async () => clock.advance(3_600_000));
    }
    expect(await admitted(tries)).toBe(20 + 6);
    clock.advance(86_400_000);
    await expect(throttle.reserve('sign-in-code', 'a@example.com', '198.51.100.7')).resolves.toBeUndefined();
    // Requests for mail are left to the hourly limit alone.
    for (let i = 0; i < 5; i++) await throttle.reserve('sign-in', 'a@example.com', '198.51.100.7');
  });
});
