import { isAuthError } from '@jwtgate/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BreachCheckOptions, createBreachCheck } from '../../src/passwords/breach-check.js';
import {
  type PwnedRangeServer,
  type RangeMisbehaviour,
  type RangeRequest,
  sha1Parts,
  startPwnedRangeServer,
} from '../support/pwned-range-server.js';
import { freePort } from '../support/redis-servers.js';

const BREACHED = 'P@ssw0rd-from-a-breach';
const CLEAN = 'a passphrase nobody has leaked';
const PADDED = 'only in the padding of the answer';

async function verdict(options: BreachCheckOptions, password: string): Promise<string> {
  try {
    await createBreachCheck(options).check(password);
    return 'accepted';
  } catch (error) {
    if (isAuthError(error)) return error.code;
    throw error;
  }
}

describe('the Pwned Passwords range check, against a real HTTP server', () => {
  let range: PwnedRangeServer;
  let downUrl: string;
  let outcomes: { outcome: string; why: string | undefined }[] = [];
  const options = (whenUnavailable: 'accept' | 'refuse'): BreachCheckOptions => ({
    rangeUrl: range.rangeUrl,
    timeoutMs: 400,
    whenUnavailable,
    onOutcome: (outcome, why) => outcomes.push({ outcome, why }),
  });

  beforeAll(async () => {
    range = await startPwnedRangeServer();
    range.list(BREACHED, 52_271);
    // In the answer, but only as padding: count 0 is no breach.
    range.list(PADDED, 0);
    // A port nothing listens on: the connection is refused, as when the API is down.
    downUrl = `http://127.0.0.1:${await freePort()}/range/`;
  });
  afterAll(() => range.close());
  beforeEach(() => {
    range.requests.length = 0;
    outcomes = [];
  });

  it('refuses a password the range lists with a count', async () => {
    expect(await verdict(options('accept'), BREACHED)).toBe('ERR_BREACHED_PASSWORD');
    expect(outcomes).toEqual([{ outcome: 'breached', why: undefined }]);
  });

  it('accepts a password the range does not list', async () => {
    expect(await verdict(options('refuse'), CLEAN)).toBe('accepted');
    expect(outcomes).toEqual([{ outcome: 'clean', why: undefined }]);
  });

  it('accepts a password whose suffix is only a padding entry (count 0)', async () => {
    expect(await verdict(options('refuse'), PADDED)).toBe('accepted');
    expect(outcomes.map((o) => o.outcome)).toEqual(['clean']);
  });

  it('sends only the 5-digit prefix of the SHA-1, asking for padding', async () => {
    await verdict(options('accept'), BREACHED);
    expect(range.requests).toHaveLength(1);
    const [request] = range.requests as [RangeRequest];
    const { prefix, suffix } = sha1Parts(BREACHED);
    expect(request.url).toBe(`/range/${prefix}`);
    expect(request.headers['add-padding']).toBe('true');
    const sent = JSON.stringify(request);
    for (const secret of [BREACHED, suffix, suffix.slice(0, 10), encodeURIComponent(BREACHED)]) {
      expect(sent).not.toContain(secret);
    }
  });

  it('hashes the password as UTF-8', async () => {
    await verdict(options('accept'), 'pässwörd-ünïcode');
    expect(range.requests[0]?.url).toBe(`/range/${sha1Parts('pässwörd-ünïcode').prefix}`);
  });

  const failures: [string, RangeMisbehaviour | 'down', string][] = [
    ['slower than the timeout', 'slow', 'timeout'],
    ['down (connection refused)', 'down', 'unreachable'],
    ['answering 500', 'fail', 'status 500'],
    ['answering 200 with something that is not a range', 'garbage', 'not a range answer'],
    ['answering 200 with nothing', 'empty', 'empty answer'],
    ['redirecting elsewhere', 'redirect', 'unreachable'],
    ['answering more than a range could be', 'huge', 'answer too large'],
  ];

  describe.each(failures)('when the range API is %s', (_, how, why) => {
    const password = `a password answered as ${how}`;
    const url = () => (how === 'down' ? downUrl : range.rangeUrl);
    beforeAll(() => {
      if (how !== 'down') range.misbehave(password, how);
    });

    it('accepts the password when the policy is accept (fail open), reporting why', async () => {
      const started = performance.now();
      expect(await verdict({ ...options('accept'), rangeUrl: url() }, password)).toBe('accepted');
      expect(outcomes).toEqual([{ outcome: 'unavailable', why }]);
      // Bounded by the timeout (400 ms), with room for a loaded machine.
      expect(performance.now() - started).toBeLessThan(1_400);
    });

    it('refuses with 503 ERR_BREACH_CHECK_UNAVAILABLE when the policy is refuse (fail closed)', async () => {
      const error = await createBreachCheck({ ...options('refuse'), rangeUrl: url() })
        .check(password)
        .catch((thrown: unknown) => thrown);
      expect(isAuthError(error, 'ERR_BREACH_CHECK_UNAVAILABLE')).toBe(true);
      expect((error as { status: number }).status).toBe(503);
      expect((error as { reason: string }).reason).toBe(why);
      const { prefix, suffix } = sha1Parts(password);
      for (const secret of [password, prefix, suffix]) expect(JSON.stringify(error)).not.toContain(secret);
    });
  });

  it('never follows a redirect: the prefix goes nowhere but the configured host', async () => {
    const password = 'redirected once more';
    range.misbehave(password, 'redirect');
    await verdict(options('accept'), password);
    expect(range.requests).toHaveLength(1);
  });
});
