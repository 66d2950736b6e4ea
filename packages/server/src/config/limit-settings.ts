import type { JwtgateConfig } from './config.js';

type Settings = Record<string, unknown>;

/** libuv's default thread pool size, when `UV_THREADPOOL_SIZE` is not set. */
const DEFAULT_THREADPOOL_SIZE = 4;

/**
 * Reads the abuse limits: `Login`, `Register`, `Refresh` and `Hashing`.
 * `Hashing.MaxConcurrent` 0 is resolved here. A hashing bound that would
 * take every libuv thread is a problem; a
 * per-session refresh limit within reach of normal use is a warning.
 *
 * @example
 * const limits = readLimitSettings(raw, { env: process.env, refreshAfterSec: 450, cpus: availableParallelism() }, problems, warnings);
 */
export function readLimitSettings(
  raw: Settings,
  context: {
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly refreshAfterSec: number;
    /** CPU cores this process may use (`os.availableParallelism()`). */
    readonly cpus: number;
  },
  problems: string[],
  warnings: string[],
): Pick<JwtgateConfig, 'login' | 'register' | 'refresh' | 'hashing'> {
  const login = raw.Login as Settings;
  const register = raw.Register as Settings;
  const refresh = raw.Refresh as Settings;
  const hashing = raw.Hashing as Settings;

  const lockDuration = login.LockDuration as number;
  const maxLockDuration = login.MaxLockDuration as number;
  if (maxLockDuration < lockDuration) {
    problems.push(`Login.MaxLockDuration: ${maxLockDuration} is shorter than Login.LockDuration (${lockDuration})`);
  }

  const threads = libuvThreads(context.env.UV_THREADPOOL_SIZE);
  // argon2 keeps a core busy per hash: one per core. A core of its own for the event loop bought
  // nothing measurable on 2 cores (guarded routes' p99 stayed a few ms) and cost a third of the
  // logins (docs/operations.md, "Password hashing under a flood"); libuv keeps a thread for files and DNS.
  const automatic = Math.max(1, Math.min(threads - 1, context.cpus));
  const maxConcurrent = (hashing.MaxConcurrent as number) || automatic;
  if (threads === 1 && maxConcurrent === 1) {
    // Nothing smaller can hash at all; say what it costs rather than refuse to start.
    warnings.push(
      'UV_THREADPOOL_SIZE: 1 libuv thread, which password hashing shares with file and DNS work; raise it to at least 2',
    );
  } else if (maxConcurrent >= threads) {
    problems.push(
      `Hashing.MaxConcurrent: ${maxConcurrent} would take all ${threads} libuv threads (UV_THREADPOOL_SIZE); set it to at most ${threads - 1}, or raise UV_THREADPOOL_SIZE`,
    );
  }

  const maxPerSession = refresh.MaxPerSession as number;
  const sessionWindow = refresh.SessionWindow as number;
  // A session refreshes about once per RefreshAfter; several tabs and retries may double that.
  const normal = Math.ceil(sessionWindow / context.refreshAfterSec);
  if (maxPerSession > 0 && maxPerSession < 4 * normal) {
    warnings.push(
      `Refresh.MaxPerSession: ${maxPerSession} per ${sessionWindow}s is within reach of normal use (a session refreshes every Auth.RefreshAfter, about ${normal} times per window); raise it to at least ${4 * normal}`,
    );
  }

  return {
    login: {
      maxFailures: login.MaxFailures as number,
      maxFailuresPerIp: login.MaxFailuresPerIp as number,
      failureWindow: login.FailureWindow as number,
      maxFailuresPerAccount: login.MaxFailuresPerAccount as number,
      lockDuration,
      maxLockDuration,
      knownNetworkWindow: login.KnownNetworkWindow as number,
    },
    register: {
      enabled: register.Enabled as boolean,
      invitationTtl: register.InvitationTtl as number,
      maxPerIp: register.MaxPerIp as number,
      window: register.Window as number,
      concealTakenEmail: register.ConcealTakenEmail as boolean,
    },
    refresh: {
      maxFailuresPerIp: refresh.MaxFailuresPerIp as number,
      failureWindow: refresh.FailureWindow as number,
      maxPerSession,
      sessionWindow,
    },
    hashing: { maxConcurrent, maxQueue: hashing.MaxQueue as number },
  };
}

/** The size of libuv's threadpool, read as libuv reads it: unset is 4, and anything below 1 is 1, above 1024 is 1024. */
function libuvThreads(value: string | undefined): number {
  if (value === undefined) return DEFAULT_THREADPOOL_SIZE;
  const parsed = Number.parseInt(value, 10);
  return Number.isNaN(parsed) || parsed < 1 ? 1 : Math.min(parsed, 1024);
}
