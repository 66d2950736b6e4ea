import type { FastifyRequest } from 'fastify';
import { normaliseOrigin } from '../config/browser-settings.js';

/** Which browser origins may act on jwtgate with the user's credentials. */
export interface OriginPolicy {
  /**
   * Whether `origin` (an `Origin` header) may make credentialed requests: the
   * server's own origin, or one listed in `Cors.AllowedOrigins`. `null`
   * (sandboxed frames, `file:`, some redirects) never may.
   */
  allows(origin: string, request: FastifyRequest): boolean;
  /** Whether `origin` is listed in `Cors.AllowedOrigins`, so may read answers across origins. */
  isCorsOrigin(origin: string): boolean;
}

/**
 * The server's own origin is that of the request itself, as Fastify sees it
 * (`request.protocol`, `request.host`; behind a proxy listed in
 * `Server.TrustProxy`, from `X-Forwarded-Proto`/`-Host`). Relying on `Host`
 * is safe here: a page on another site can make a victim's browser send the
 * victim's cookies only to the real host, whose name it cannot change.
 *
 * @example
 * const origins = createOriginPolicy(['https://app.example.com']);
 * origins.allows(request.headers.origin, request);
 */
export function createOriginPolicy(allowedOrigins: readonly string[]): OriginPolicy {
  const listed = new Set(allowedOrigins);
  return {
    allows(origin, request) {
      if (listed.has(origin)) return true;
      if (origin === 'null') return false;
      const own = normaliseOrigin(`${request.protocol}://${request.host}`);
      return own !== null && own === origin;
    },
    isCorsOrigin: (origin) => listed.has(origin),
  };
}
