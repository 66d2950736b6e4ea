/**
 * Where a token may be read from:
 * - `'bearer'`: `Authorization: Bearer <token>` (RFC 6750 §2.1, scheme case-insensitive);
 * - `'bare'`: `Authorization: <token>` with no scheme, as go-zero clients send it;
 * - `{ cookie: name }`: a cookie; a cookie sent twice is refused as an invalid token, and a
 *   state-changing request carrying it must come from the service's own pages (see `csrf`).
 */
export type TokenSource = 'bearer' | 'bare' | { readonly cookie: string };

/** The request headers a token can come from. */
export interface TokenCarrier {
  readonly authorization?: string | undefined;
  readonly cookie?: string | undefined;
  /** The request method, `Origin` and `Sec-Fetch-Site`: what decides whether a cookie token may be used (see `csrf`). */
  readonly method?: string | undefined;
  readonly origin?: string | undefined;
  readonly secFetchSite?: string | undefined;
}

/** RFC 6265 cookie-name characters (an RFC 9110 token). */
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

/**
 * Checks the token sources at construction, so that a typo fails at start-up.
 *
 * @example
 * assertTokenSources(['bearer', { cookie: 'access_token' }]);
 */
export function assertTokenSources(sources: readonly TokenSource[]): void {
  if (!Array.isArray(sources) || sources.length === 0) throw new TypeError('tokenFrom needs at least one source');
  for (const source of sources) {
    if (source === 'bearer' || source === 'bare') continue;
    if (source !== null && typeof source === 'object' && COOKIE_NAME.test(source.cookie)) continue;
    throw new TypeError(`tokenFrom: ${JSON.stringify(source)} is not 'bearer', 'bare' or { cookie: <name> }`);
  }
}

/**
 * The value of cookie `name`, `null` without one, and `''` (a credential that
 * fails as invalid) when it is sent twice: a sibling subdomain can plant a
 * cookie of the same name for the parent domain, and guessing which copy is
 * the real one could sign the user in as the planter.
 */
function cookieValue(header: string, name: string): string | null {
  let found: string | null = null;
  for (const part of header.split(';')) {
    const pair = part.trim();
    const equals = pair.indexOf('=');
    if (equals <= 0 || pair.slice(0, equals).trim() !== name) continue;
    if (found !== null) return '';
    const value = pair.slice(equals + 1).trim();
    found = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return found;
}

/**
 * The token from the first source that carries one, or `null` when none
 * does (which is answered with a bare challenge, RFC 6750 §3.1). A present
 * but empty or malformed credential is returned as it is, to fail
 * verification as an invalid token.
 *
 * @example
 * findToken({ authorization: 'Bearer eyJ…' }, ['bearer']); // 'eyJ…'
 * findToken({ authorization: 'eyJ…' }, ['bearer']);         // null
 * findToken({ authorization: 'eyJ…' }, ['bearer', 'bare']); // 'eyJ…'
 */
export function findToken(headers: TokenCarrier, sources: readonly TokenSource[]): string | null {
  return findTokenAndSource(headers, sources)?.token ?? null;
}

/**
 * {@link findToken}, also telling whether the token came from a cookie,
 * which the browser sends on requests other sites cause.
 *
 * @example
 * findTokenAndSource({ cookie: 'at=eyJ…' }, [{ cookie: 'at' }]); // { token: 'eyJ…', fromCookie: true }
 */
export function findTokenAndSource(
  headers: TokenCarrier,
  sources: readonly TokenSource[],
): { readonly token: string; readonly fromCookie: boolean } | null {
  const raw = headers.authorization;
  // What nearly every request sends, read without lower-casing a copy of the scheme: the same
  // answer as the general path below, which the scheme in other cases and whitespace still take.
  if (sources[0] === 'bearer' && raw !== undefined && raw.startsWith('Bearer ')) {
    return { token: raw.slice(7).trim(), fromCookie: false };
  }
  const authorization = raw?.trim();
  for (const source of sources) {
    if (source === 'bearer' || source === 'bare') {
      if (authorization === undefined || authorization.length === 0) continue;
      const space = authorization.indexOf(' ');
      const scheme = (space === -1 ? authorization : authorization.slice(0, space)).toLowerCase();
      if (source === 'bearer' && scheme === 'bearer') {
        return { token: space === -1 ? '' : authorization.slice(space + 1).trim(), fromCookie: false };
      }
      if (source === 'bare' && space === -1 && scheme !== 'bearer') return { token: authorization, fromCookie: false };
      continue;
    }
    const value = headers.cookie === undefined ? null : cookieValue(headers.cookie, source.cookie);
    if (value !== null) return { token: value, fromCookie: true };
  }
  return null;
}
