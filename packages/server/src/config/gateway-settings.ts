import type { JwtgateConfig } from './config.js';

type Settings = Record<string, unknown>;

/**
 * Reads the `Gateway` section: the identity headers of forward
 * authentication, lower-cased (HTTP header names are case-insensitive), and
 * a problem when two of them name the same header, or a header a gateway
 * already uses for something else.
 *
 * @example
 * const { gateway } = { gateway: readGatewaySettings(raw, problems) };
 */
export function readGatewaySettings(raw: Settings, problems: string[]): JwtgateConfig['gateway'] {
  const section = raw.Gateway as Settings;
  // A value the spec refused is already a problem; it is left out of the checks below.
  const lower = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : '');
  const names = {
    UserIdHeader: lower(section.UserIdHeader),
    SessionIdHeader: lower(section.SessionIdHeader),
    RoleHeader: lower(section.RoleHeader),
  };
  const seen = new Map<string, string>();
  for (const [setting, header] of Object.entries(names)) {
    if (header === '') continue;
    const earlier = seen.get(header);
    if (earlier !== undefined)
      problems.push(`Gateway.${setting}: ${header} is also Gateway.${earlier}; name another header`);
    else if (RESERVED.has(header))
      problems.push(`Gateway.${setting}: ${header} is a standard header; name one of your own, such as X-Auth-User-Id`);
    seen.set(header, setting);
  }
  return { userIdHeader: names.UserIdHeader, sessionIdHeader: names.SessionIdHeader, roleHeader: names.RoleHeader };
}

/** Headers an answer already carries, or that a gateway treats specially. */
const RESERVED = new Set([
  'authorization',
  'cache-control',
  'connection',
  'content-length',
  'content-type',
  'date',
  'location',
  'set-cookie',
  'transfer-encoding',
  'vary',
  'www-authenticate',
  'x-request-id',
]);
