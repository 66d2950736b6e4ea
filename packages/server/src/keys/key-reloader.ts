import type { Clock, KeyRing } from '@jwtgate/core';
import type { JwtgateConfig } from '../config/config.js';
import { ConfigError } from '../config/config-error.js';
import { type KeyFilesReading, keyFileProblem, readKeyFiles } from './key-files.js';
import { loadKeyRing } from './load-key-ring.js';

/**
 * Why key files were not reloaded (logged and counted, never answered to a
 * client): a file missing, unreadable or refused unread (writable by any
 * user, not a regular file, too large), a file that does not load (not PEM
 * or JSON, not a key, a key set without a current key...), or a signing key
 * of another algorithm than the one in use, which takes a restart.
 */
export type KeyReloadFailureCode = 'ERR_KEY_FILE_UNREADABLE' | 'ERR_KEY_FILE_INVALID' | 'ERR_KEY_ALGORITHM_CHANGED';

/** What set a check off: `SIGHUP` (or a call) or the timer of `Auth.KeyReloadInterval`. */
export type KeyReloadTrigger = 'signal' | 'interval';

/** What one check of the key files came to. */
export type KeyReloadOutcome =
  | { readonly status: 'unchanged' }
  | {
      readonly status: 'reloaded';
      /** Key ids that verify now and did not before. */
      readonly added: readonly string[];
      /** Key ids that verified before and no longer do. */
      readonly removed: readonly string[];
      readonly signingKid: string;
      readonly previousSigningKid: string;
    }
  | {
      readonly status: 'failed';
      readonly code: KeyReloadFailureCode;
      /** Each names the setting and the file; never key material. */
      readonly problems: readonly string[];
      /** The same failure as the check before, on the same file contents. */
      readonly repeated: boolean;
    };

/** Options of {@link createKeyReloader}. */
export interface KeyReloaderOptions {
  readonly config: JwtgateConfig;
  readonly clock: Clock;
  /** The reading the keys in use were loaded from (so that a change made since start-up is seen). */
  readonly loadedFrom: KeyFilesReading;
  /** The key ring in use. */
  readonly current: () => KeyRing;
  /** Puts a new ring in place, whole; may throw to refuse it. */
  readonly apply: (ring: KeyRing) => void;
  /** Checks by itself this often; 0 checks only when asked. */
  readonly intervalMs: number;
  /** Told of every check's outcome, timer's and caller's alike. */
  readonly onOutcome: (outcome: KeyReloadOutcome, trigger: KeyReloadTrigger) => void;
}

/** Watches the key files and swaps the key ring when their contents change. */
export interface KeyReloader {
  /** Reads the key files now and, if their contents differ from those the keys in use came from, loads and applies them. */
  check(trigger: KeyReloadTrigger): KeyReloadOutcome;
  /** Stops the timer. */
  close(): void;
}

/**
 * Reloads `Auth.KeyFile` and `Auth.PreviousKeyFiles` while the server runs.
 * A change is recognised by a digest of the files' contents, not their
 * modification times (which a copy may keep, and which a write within the
 * same tick does not move). Files that fail to load change nothing: the keys
 * in use stay, the failure is reported, and every later check tries again,
 * so the first good contents are picked up. Secrets (`Auth.AccessSecret`,
 * `Auth.PreviousAccessSecrets`) are configuration and change only with a
 * restart.
 *
 * @example
 * const reloader = createKeyReloader({ config, clock, loadedFrom, current: () => sessions.keyRing(),
 *   apply: (ring) => sessions.replaceKeys(ring), intervalMs: 10_000, onOutcome: report });
 * process.on('SIGHUP', () => reloader.check('signal'));
 */
export function createKeyReloader(options: KeyReloaderOptions): KeyReloader {
  const { config } = options;
  let loadedDigest = options.loadedFrom.digest;
  let lastFailure: { digest: string; code: KeyReloadFailureCode } | undefined;

  const failed = (digest: string, code: KeyReloadFailureCode, problems: readonly string[]): KeyReloadOutcome => {
    const repeated = lastFailure?.digest === digest && lastFailure.code === code;
    lastFailure = { digest, code };
    return { status: 'failed', code, problems, repeated };
  };

  function attempt(): KeyReloadOutcome {
    const reading = readKeyFiles(config);
    if (reading.digest === loadedDigest) {
      // Back to (or still at) the contents in use: nothing to load, nothing failing.
      lastFailure = undefined;
      return { status: 'unchanged' };
    }
    const unreadable = [...reading.files].flatMap(([path, file]) =>
      'errorCode' in file ? [`${settingOf(config, path)}: ${keyFileProblem(path, file)}`] : [],
    );
    if (unreadable.length > 0) return failed(reading.digest, 'ERR_KEY_FILE_UNREADABLE', unreadable);
    let ring: KeyRing;
    try {
      ring = loadKeyRing(config, options.clock.now(), reading);
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
      return failed(reading.digest, 'ERR_KEY_FILE_INVALID', problems);
    }
    const running = options.current();
    if (ring.signingKey.alg !== running.signingKey.alg) {
      // Verifiers pin the algorithm (RFC 8725 §3.1): switching it under them is what `keys --change-alg` plans for.
      return failed(reading.digest, 'ERR_KEY_ALGORITHM_CHANGED', [
        `Auth.KeyFile: its signing key "${ring.signingKey.kid}" is ${ring.signingKey.alg}, but ${running.signingKey.alg} signs now; a change of algorithm takes a restart`,
      ]);
    }
    try {
      options.apply(ring);
    } catch (error) {
      return failed(reading.digest, 'ERR_KEY_FILE_INVALID', [(error as Error).message]);
    }
    loadedDigest = reading.digest;
    lastFailure = undefined;
    const before = new Set(running.verificationKeys.map((key) => key.kid));
    const after = new Set(ring.verificationKeys.map((key) => key.kid));
    return {
      status: 'reloaded',
      added: [...after].filter((kid) => !before.has(kid)),
      removed: [...before].filter((kid) => !after.has(kid)),
      signingKid: ring.signingKey.kid,
      previousSigningKid: running.signingKey.kid,
    };
  }

  function check(trigger: KeyReloadTrigger): KeyReloadOutcome {
    const outcome = attempt();
    options.onOutcome(outcome, trigger);
    return outcome;
  }

  const timer = options.intervalMs > 0 ? setInterval(() => check('interval'), options.intervalMs) : undefined;
  timer?.unref();
  return {
    check,
    close: () => clearInterval(timer),
  };
}

function settingOf(config: JwtgateConfig, path: string): string {
  return path === config.auth.keyFile ? 'Auth.KeyFile' : 'Auth.PreviousKeyFiles';
}
