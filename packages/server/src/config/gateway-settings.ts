import { reservedClaims } from '@jwtgate/core';
import type { JwtgateConfig } from './config.js';

type Settings = Record<string, unknown>;

const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The header a claim of `Auth.Claims` gets when `Gateway.ClaimHeaders` names
 * none: `X-Auth-Claim-` and the claim's name, lower case, with anything but
 * letters, digits and `-` made a `-` (NGINX drops headers with `_` by default).
 *
 * @example
 * defaultClaimHeader('userId'); // 'x-auth-claim-userid'
 * defaultClaimHeader('org.id'); // 'x-auth-claim-org-id'
 */
export function defaultClaimHeader(claim: string): string {
  return `x-auth-claim-${claim.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
}

/**
 * Reads the `Gateway` section: the identity headers of forward
 * authentication, lower-cased (HTTP header names are case-insensitive), and
 * the header of each extra claim: every claim of `Auth.Claims` (under
 * {@link defaultClaimHeader} unless `Gateway.ClaimHeaders` names one), and any
 * other claim `Gateway.ClaimHeaders` names (from a custom-claims hook). A
 * problem for two settings naming the same header, or a header that already
 * means something else.
 *
 * @example
 * const gateway = readGatewaySettings(raw, { userId: 'id' }, problems);
 * gateway.claimHeaders; // { userId: 'x-auth-claim-userid' }
 */
export function readGatewaySettings(
  raw: Settings,
  claims: Readonly<Record<string, string>>,
  problems: string[],
): JwtgateConfig['gateway'] {
  const issuer = (raw.Auth as Settings).Issuer as string;
  const section = raw.Gateway as Settings;
  // A value the spec refused is already a problem; it is left out of the checks below.
  const lower = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : '');
  const names = {
    UserIdHeader: lower(section.UserIdHeader),
    SessionIdHeader: lower(section.SessionIdHeader),
    RoleHeader: lower(section.RoleHeader),
  };
  const seen = new Map<string, string>();
  const claim = (header: string, setting: string) => {
    if (header === '') return;
    const earlier = seen.get(header);
    if (earlier !== undefined) problems.push(`${setting}: ${header} is also ${earlier}; name another header`);
    else if (RESERVED.has(header))
      problems.push(`${setting}: ${header} is a standard header; name one of your own, such as X-Auth-User-Id`);
    seen.set(header, setting);
  };
  for (const [setting, header] of Object.entries(names)) claim(header, `Gateway.${setting}`);

  const configured = (section.ClaimHeaders ?? {}) as Readonly<Record<string, string>>;
  const claimHeaders: Record<string, string> = {};
  for (const name of new Set([...Object.keys(claims), ...Object.keys(configured)])) {
    const setting = `Gateway.ClaimHeaders.${name}`;
    if (reservedClaims.has(name)) {
      problems.push(`${setting}: ${name} is a claim jwtgate sets itself; its header is a Gateway.*Header setting`);
      continue;
    }
    const chosen = configured[name];
    if (chosen !== undefined && !HEADER_NAME.test(chosen)) {
      problems.push(`${setting}: expected 1-64 characters of A-Z a-z 0-9 -, got ${JSON.stringify(chosen)}`);
      continue;
    }
    const header = chosen === undefined ? defaultClaimHeader(name) : chosen.toLowerCase();
    claim(header, setting);
    claimHeaders[name] = header;
  }
  const clients = new Map<string, Buffer>();
  for (const [id, hash] of Object.entries((section.Clients ?? {}) as Readonly<Record<string, string>>)) {
    const match = /^sha256:([0-9a-fA-F]{64})$/.exec(hash);
    if (match === null) {
      // The value is not echoed: an operator may have pasted the secret itself.
      problems.push(
        `Gateway.Clients.${id}: expected sha256:<64 hex digits>, the SHA-256 of the secret (printf %s "$SECRET" | sha256sum), never the secret itself`,
      );
      continue;
    }
    clients.set(id, Buffer.from(match[1] as string, 'hex'));
  }
  const publicUrl = section.PublicUrl as string | undefined;
  return {
    userIdHeader: names.UserIdHeader,
    sessionIdHeader: names.SessionIdHeader,
    roleHeader: names.RoleHeader,
    claimHeaders,
    clients,
    publicUrl: publicUrl === undefined ? publicUrlOf(issuer) : publicUrl.replace(/\/+$/, ''),
  };
}

/** `Auth.Issuer` when it is an http(s) URL (RFC 8414 wants the issuer to be one), without a trailing `/`. */
function publicUrlOf(issuer: string): string | undefined {
  if (!/^https?:\/\//i.test(issuer)) return undefined;
  try {
    const url = new URL(issuer);
    return url.search === '' && url.hash === '' ? issuer.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
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
