import { type ErrorCode, errorCodes } from '@jwtgate/core';
import type { HTTPMethods } from 'fastify';
import type { RouteErrors } from '../schemas.js';

/** A code a route can answer, and when. */
export interface ErrorCase {
  readonly code: ErrorCode;
  readonly status: number;
  readonly when: string;
}

/** What, besides its handler, decides which codes a route can answer. */
export interface RouteTraits {
  readonly methods: readonly HTTPMethods[];
  /** Which parts of the request have a schema. */
  readonly validated: { readonly body: boolean; readonly params: boolean; readonly querystring: boolean };
  /** Guarded by the access-token guard. */
  readonly bearer: boolean;
  /** `config: { csrf: true }`: the origin and CSRF checks run first. */
  readonly csrf: boolean;
  /** The handler's own codes (`schema.errors`). */
  readonly declared: RouteErrors | undefined;
}

/** Methods whose body Fastify reads, whatever the route. */
const BODY_METHODS: ReadonlySet<HTTPMethods> = new Set<HTTPMethods>(['POST', 'PUT', 'PATCH', 'DELETE']);

const accessTokenCodes: RouteErrors = {
  ERR_TOKEN_MISSING: 'no access token in `Authorization`',
  ERR_TOKEN_INVALID: 'the access token is malformed, forged or fails a check (algorithm, issuer, audience, type)',
  ERR_TOKEN_EXPIRED: 'the access token has expired (and, in cookie mode, could not be renewed)',
  ERR_TOKEN_REVOKED: 'the session of the access token has ended',
};

const silentRefresh =
  'cookie mode: renewing an expired access token with the refresh cookie failed; the cookie is deleted';

const silentRefreshCodes: RouteErrors = {
  ERR_REFRESH_TOKEN_INVALID: silentRefresh,
  ERR_REFRESH_TOKEN_EXPIRED: silentRefresh,
  ERR_REFRESH_TOKEN_REUSED: `${silentRefresh}, and the session is revoked`,
  ERR_SESSION_REVOKED: silentRefresh,
  ERR_RATE_LIMITED:
    'cookie mode: an expired access token was not renewed, for too many refused refreshes from this address or too many refreshes of this session (`Refresh.*`); the cookie stays',
  ERR_STORE_UNAVAILABLE:
    'the guard cannot reach the session store, which it asks with `Revocation.Strict` and to renew an expired access token',
};

const csrfCodes: RouteErrors = {
  ERR_ORIGIN_NOT_ALLOWED:
    "`Origin` is neither this server's origin nor one of `Cors.AllowedOrigins`, or the request carries the refresh cookie and no `Origin`",
  ERR_CSRF_HEADER_MISSING: 'the request carries the refresh cookie without `X-Jwtgate-Csrf: 1`',
};

const bodyCodes: RouteErrors = {
  ERR_MALFORMED_JSON: 'the body is empty or not valid JSON',
  ERR_FORBIDDEN_KEY: 'the body has a `__proto__` or `constructor.prototype` key',
  ERR_BODY_TOO_LARGE: 'the body is larger than `Server.BodyLimit`',
  ERR_UNSUPPORTED_MEDIA_TYPE: 'the body is not `application/json`',
};

function validationCase(validated: RouteTraits['validated']): RouteErrors {
  const parts = [
    validated.body ? 'the body' : undefined,
    validated.params ? 'a path parameter' : undefined,
    validated.querystring ? 'a query parameter' : undefined,
  ].filter((part) => part !== undefined);
  if (parts.length === 0) return {};
  const which = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} or ${parts.at(-1)}`;
  return { ERR_VALIDATION: `${which} does not match its schema (\`details\` says where)` };
}

const codeOrder = Object.keys(errorCodes) as ErrorCode[];

/**
 * Every code a route can answer: those its traits imply (the body and its
 * parsing, the parameters, the guard and its silent refresh, the CSRF check,
 * an unexpected failure) and those its handler declares. When both name a
 * code, the handler's note is added to the general one. Sorted by status,
 * then in the order of `errorCodes`.
 *
 * @example
 * routeErrors({ methods: ['GET'], validated: { body: false, params: true, querystring: false },
 *   bearer: true, csrf: false, declared: { ERR_SESSION_NOT_FOUND: 'no such session' } });
 * // [{ code: 'ERR_VALIDATION', status: 400, when: 'a path parameter does not match…' }, …]
 */
export function routeErrors(traits: RouteTraits): ErrorCase[] {
  const notes = new Map<ErrorCode, string[]>();
  const add = (codes: RouteErrors) => {
    for (const [code, when] of Object.entries(codes) as [ErrorCode, string][]) {
      notes.set(code, [...(notes.get(code) ?? []), when]);
    }
  };
  add(validationCase(traits.validated));
  if (traits.methods.some((method) => BODY_METHODS.has(method))) add(bodyCodes);
  if (traits.bearer) add({ ...accessTokenCodes, ...silentRefreshCodes });
  if (traits.csrf) add(csrfCodes);
  add(traits.declared ?? {});
  add({ ERR_INTERNAL: 'an unexpected failure (logged on the server)' });
  return codeOrder
    .filter((code) => notes.has(code))
    .map((code) => ({ code, status: errorCodes[code].status, when: (notes.get(code) ?? []).join('; ') }))
    .sort((a, b) => a.status - b.status);
}
