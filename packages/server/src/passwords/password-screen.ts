import type { PasswordScreen } from '@jwtgate/core';
import type { JwtgateConfig } from '../config/config.js';
import { createBreachCheck } from './breach-check.js';
import { createCommonPasswordScreen } from './common-passwords.js';

/** Where the breach check reports (metrics, the log); both optional. */
export interface PasswordScreenReports {
  readonly breachCheck?: (outcome: 'clean' | 'breached' | 'unavailable') => void;
  /** The first time in a row the range API gave no usable answer, and why (never the password or its hash). */
  readonly breachCheckUnavailable?: (why: string) => void;
  /** The range API answers again after being unavailable. */
  readonly breachCheckRecovered?: () => void;
}

/**
 * The checks `Passwords` asks of every new password, in order: the
 * common-password list (in memory), then, for a password not on it, Have I
 * Been Pwned's range API. `undefined` when both are off. Throws at once when
 * `Passwords.RejectCommon` is on and the list file is missing.
 *
 * @example
 * const screen = createPasswordScreen(config.passwords, { breachCheck: (outcome) => metrics?.breachCheck(outcome) });
 */
export function createPasswordScreen(
  settings: JwtgateConfig['passwords'],
  reports: PasswordScreenReports = {},
): PasswordScreen | undefined {
  const screens: PasswordScreen[] = [];
  if (settings.rejectCommon) screens.push(createCommonPasswordScreen());
  const breach = settings.breachCheck;
  if (breach !== undefined) {
    let unavailable = false;
    screens.push(
      createBreachCheck({
        ...breach,
        onOutcome: (outcome, why) => {
          reports.breachCheck?.(outcome);
          if (outcome === 'unavailable' && !unavailable) reports.breachCheckUnavailable?.(why ?? 'unreachable');
          if (outcome !== 'unavailable' && unavailable) reports.breachCheckRecovered?.();
          unavailable = outcome === 'unavailable';
        },
      }),
    );
  }
  if (screens.length === 0) return undefined;
  return {
    async check(password) {
      for (const screen of screens) await screen.check(password);
    },
  };
}
