import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { AuthError, isAuthError } from '../errors/auth-error.js';
import { createMemoryAttemptStore } from '../throttle/memory-attempt-store.js';
import { createRegistrationThrottle } from '../throttle/registration-throttle.js';
import type { PasswordHasher } from './password-hasher.js';
import { acceptNewPassword, type PasswordScreen } from './password-screen.js';
import { registerUser } from './register.js';
import type { UserStore } from './user-store.js';

/** A screen that records what it was given and answers with `refusal` (or accepts). */
function recordingScreen(refusal?: () => AuthError): PasswordScreen & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    async check(password) {
      seen.push(password);
      if (refusal !== undefined) throw refusal();
    },
  };
}

/** Registration never reaches the store or the hasher when the screen refuses: any call is a failure. */
const unreachable = new Proxy({} as UserStore & PasswordHasher, {
  get: (_, name) => () => {
    throw new Error(`${String(name)} was called before the password was judged`);
  },
});

async function codeOf(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!isAuthError(error)) throw new Error(`expected an AuthError, got ${String(error)}`);
  return error.code;
}

describe('acceptNewPassword', () => {
  it('applies the length rule first: the screen never sees a password that breaks it', async () => {
    const screen = recordingScreen();
    expect(await codeOf(acceptNewPassword('short', screen))).toBe('ERR_INVALID_PASSWORD');
    expect(await codeOf(acceptNewPassword('x\ud800-lone-surrogate', screen))).toBe('ERR_MALFORMED_PASSWORD');
    expect(screen.seen).toEqual([]);
  });

  it('hands the screen the NFKC form, which it returns for hashing', async () => {
    const screen = recordingScreen();
    expect(await acceptNewPassword('ｐａｓｓｐｈｒａｓｅ', screen)).toBe('passphrase');
    expect(screen.seen).toEqual(['passphrase']);
  });

  it("passes the screen's refusal on, and works without a screen", async () => {
    const screen = recordingScreen(() => new AuthError('ERR_COMMON_PASSWORD'));
    expect(await codeOf(acceptNewPassword('password1', screen))).toBe('ERR_COMMON_PASSWORD');
    expect(await acceptNewPassword('password1', undefined)).toBe('password1');
  });
});

describe('registerUser with a password screen', () => {
  const clock = createManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const deps = (screen: PasswordScreen) => ({
    users: unreachable,
    hasher: unreachable,
    clock,
    passwordScreen: screen,
    throttle: createRegistrationThrottle({
      store: createMemoryAttemptStore(),
      clock,
      policy: { maxPerIp: 1, windowSec: 3600 },
    }),
  });
  const attempt = (d: ReturnType<typeof deps>) =>
    codeOf(registerUser(d, { username: 'someone', password: 'Password123', ip: '203.0.113.9' }));

  it('counts a refused common password against the address, as any answered attempt', async () => {
    const d = deps(recordingScreen(() => new AuthError('ERR_COMMON_PASSWORD')));
    expect(await attempt(d)).toBe('ERR_COMMON_PASSWORD');
    expect(await attempt(d)).toBe('ERR_RATE_LIMITED');
  });

  it('takes back an attempt the breach check could not judge', async () => {
    const d = deps(recordingScreen(() => new AuthError('ERR_BREACH_CHECK_UNAVAILABLE')));
    for (let i = 0; i < 3; i++) expect(await attempt(d)).toBe('ERR_BREACH_CHECK_UNAVAILABLE');
  });
});
