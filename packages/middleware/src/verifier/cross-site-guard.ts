import { AuthError } from '@jwtgate/core';

/**
 * How requests whose token came from a cookie are kept to the service's own
 * pages. `false` turns the check off: only for a service that sends no
 * cookie-borne token to browsers, or that checks requests itself.
 */
export type CsrfOption =
  | false
  | {
      /**
       * Origins (`https://app.example.com`) that may send state-changing
       * requests with the cookie from another origin: a front end on its own
       * host, or the service's own origin for browsers too old to send
       * `Sec-Fetch-Site`.
       */
      readonly trustedOrigins?: readonly string[];
      /**
       * Accept a state-changing request that has neither `Sec-Fetch-Site`
       * nor `Origin`, as only clients that are not current browsers send.
       * Off by default: such a request cannot be told apart from a forged one.
       */
      readonly allowWithoutOrigin?: boolean;
    };

/** The request facts the check needs, as the framework hands them over. */
export interface RequestOrigin {
  readonly method?: string | undefined;
  readonly origin?: string | undefined;
  readonly secFetchSite?: string | undefined;
}

/** Refuses a cookie-authenticated request that is state-changing and not from the service's own pages. */
export type CrossSiteGuard = (request: RequestOrigin) => void;

/** Methods that must not change state (RFC 9110 §9.2.1), so that a forged one does no harm. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function serialisedOrigin(origin: unknown, index: number): string {
  let parsed: URL | null = null;
  try {
    parsed = typeof origin === 'string' ? new URL(origin) : null;
  } catch {
    parsed = null;
  }
  // Compared as the exact text browsers send in `Origin`, so any other spelling would never match.
  if (parsed === null || parsed.origin === 'null' || parsed.origin !== origin) {
    throw new TypeError(
      `csrf.trustedOrigins[${index}]: ${JSON.stringify(origin)} is not an origin such as 'https://app.example.com' (scheme, host and port only, no path or trailing slash)`,
    );
  }
  return origin;
}

/**
 * The rule for a request whose token came from a cookie, which the browser
 * attaches to requests that other sites cause (a header token cannot be sent
 * cross-site without a CORS preflight, so is never checked). Safe methods
 * pass. A state-changing request passes when `Sec-Fetch-Site` is
 * `same-origin` or `none` (typed by the user), else when its `Origin` is in
 * `trustedOrigins`, else, when it has neither header, only with
 * `allowWithoutOrigin`. Anything else is 403 `ERR_ORIGIN_NOT_ALLOWED`, as
 * the server answers a foreign origin on its own cookie routes: the token is
 * fine, so never 401, which clients read as a dead session. A missing method
 * counts as state-changing. Bad options throw a `TypeError` here, at start-up.
 *
 * @example
 * const guard = createCrossSiteGuard({ trustedOrigins: ['https://app.example.com'] });
 * guard({ method: 'POST', origin: 'https://evil.example', secFetchSite: 'cross-site' }); // throws ERR_ORIGIN_NOT_ALLOWED
 */
export function createCrossSiteGuard(option: CsrfOption | undefined): CrossSiteGuard | null {
  if (option === false) return null;
  if (option !== undefined && (option === null || typeof option !== 'object')) {
    throw new TypeError('csrf must be false or { trustedOrigins?, allowWithoutOrigin? }');
  }
  const listed = option?.trustedOrigins ?? [];
  if (!Array.isArray(listed)) throw new TypeError('csrf.trustedOrigins must be a list of origins');
  const trusted = new Set(listed.map(serialisedOrigin));
  const allowWithoutOrigin = option?.allowWithoutOrigin === true;
  return (request) => {
    if (request.method !== undefined && SAFE_METHODS.has(request.method.toUpperCase())) return;
    const site = request.secFetchSite?.trim().toLowerCase();
    if (site === 'same-origin' || site === 'none') return;
    const origin = request.origin?.trim();
    if (origin !== undefined && origin.length > 0) {
      if (trusted.has(origin)) return;
      throw new AuthError('ERR_ORIGIN_NOT_ALLOWED', { reason: 'csrf-origin' });
    }
    if (site === undefined && allowWithoutOrigin) return;
    throw new AuthError('ERR_ORIGIN_NOT_ALLOWED', { reason: site === undefined ? 'csrf-no-origin' : 'csrf-site' });
  };
}
