import { readFileSync } from 'node:fs';
import type { JwtgateConfig } from './config.js';
import { readOutboundUrl } from './outbound-url.js';

type Settings = Record<string, unknown>;

/**
 * The service's context words: its names (`Name`, `Mfa.Issuer`,
 * `Mfa.RpName`), `Passwords.ContextWords` and the lines of
 * `Passwords.ContextWordsFile`. A file that cannot be read is a problem
 * named at start-up, never a list silently left empty.
 */
function readContextWords(raw: Settings, passwords: Settings, problems: string[]): string[] {
  const mfa = (raw.Mfa ?? {}) as Settings;
  const names = [raw.Name, mfa.Issuer, mfa.RpName].filter((name): name is string => typeof name === 'string');
  const words = [...names, ...((passwords.ContextWords ?? []) as string[])];
  const file = passwords.ContextWordsFile;
  if (typeof file === 'string' && file !== '') {
    try {
      for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
        const word = line.trim();
        if (word !== '' && !word.startsWith('#')) words.push(word);
      }
    } catch (error) {
      problems.push(
        `Passwords.ContextWordsFile: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); fix the path or remove the setting`,
      );
    }
  }
  return [...new Set(words)];
}

/**
 * Reads the `Passwords` section: the common-password list, the context
 * words, and the breach check with its range URL (checked as any URL the
 * server calls out to).
 *
 * @example
 * const { passwords } = readPasswordSettings(raw, 'production', problems);
 */
export function readPasswordSettings(
  raw: Settings,
  mode: JwtgateConfig['mode'],
  problems: string[],
): Pick<JwtgateConfig, 'passwords'> {
  const passwords = raw.Passwords as Settings;
  const breach = passwords.BreachCheck as Settings;
  const contextWords = readContextWords(raw, passwords, problems);
  if (breach.Enabled !== true)
    return { passwords: { rejectCommon: passwords.RejectCommon as boolean, contextWords, breachCheck: undefined } };
  const rangeUrl = readOutboundUrl('Passwords.BreachCheck.RangeUrl', breach.RangeUrl as string, mode, problems, {
    sends: 'password hash prefixes',
    credentialsFix: 'run a mirror that needs none, or reach it through a proxy that adds them',
  });
  return {
    passwords: {
      rejectCommon: passwords.RejectCommon as boolean,
      contextWords,
      breachCheck:
        rangeUrl === undefined
          ? undefined
          : {
              rangeUrl,
              timeoutMs: breach.Timeout as number,
              whenUnavailable: breach.WhenUnavailable as 'accept' | 'refuse',
            },
    },
  };
}
