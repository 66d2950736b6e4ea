import type { JwtgateConfig } from './config.js';
import { readOutboundUrl } from './outbound-url.js';

type Settings = Record<string, unknown>;

/**
 * Reads the `Passwords` section: the common-password list, and the breach
 * check with its range URL (checked as any URL the server calls out to).
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
  if (breach.Enabled !== true)
    return { passwords: { rejectCommon: passwords.RejectCommon as boolean, breachCheck: undefined } };
  const rangeUrl = readOutboundUrl('Passwords.BreachCheck.RangeUrl', breach.RangeUrl as string, mode, problems, {
    sends: 'password hash prefixes',
    credentialsFix: 'run a mirror that needs none, or reach it through a proxy that adds them',
  });
  return {
    passwords: {
      rejectCommon: passwords.RejectCommon as boolean,
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
