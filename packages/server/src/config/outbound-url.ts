import type { JwtgateConfig } from './config.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A URL the server calls out to (the alert webhook, the breach-check range
 * API), or a problem naming `setting`: no credentials in it (URLs end up in
 * logs), and `https://` in production unless it points at a loopback
 * address, so that what travels over the network is encrypted.
 *
 * @example
 * const url = readOutboundUrl('Alerts.WebhookUrl', value, 'production', problems, {
 *   sends: 'alerts',
 *   credentialsFix: 'use Alerts.WebhookSecret to sign instead',
 * });
 */
export function readOutboundUrl(
  setting: string,
  value: string | undefined,
  mode: JwtgateConfig['mode'],
  problems: string[],
  wording: { readonly sends: string; readonly credentialsFix: string },
): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${setting}: not a URL; write https://host/path`);
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    problems.push(`${setting}: credentials in the URL end up in logs; ${wording.credentialsFix}`);
  } else if (url.protocol === 'http:' && mode === 'production' && !LOOPBACK_HOSTS.has(url.hostname)) {
    problems.push(
      `${setting}: http:// sends ${wording.sends} in clear text; use https://, or http:// only to a loopback address (${url.hostname} is not one)`,
    );
  }
  return url.toString();
}
