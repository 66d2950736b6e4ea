import type { FastifyReply, FastifyRequest } from 'fastify';
import { readCookieValues, serializeCookie } from './cookies.js';

/** The cookie that binds a sign-in at a provider to the browser that started it. */
export interface OAuthFlowCookie {
  readonly name: string;
  set(reply: FastifyReply, sealed: string, maxAgeSec: number): void;
  /** The sealed flow, or `null` when there is none or more than one (one planted by another path or site). */
  read(request: FastifyRequest): string | null;
  clear(reply: FastifyReply): void;
}

/**
 * `__Host-jwtgate_oauth`, HttpOnly, and `SameSite=Lax`: the callback is a
 * top-level navigation from the provider's site, which a `Strict` cookie
 * would not follow. The `__Host-` prefix (so `Path=/`, no `Domain`) is what
 * stops a sibling subdomain from planting a flow of its own (an attacker's
 * state and verifier) in a browser that has none, and then sending that
 * browser to the callback with the attacker's code: a login CSRF no check on
 * the server could tell from a real flow. It lives for `OAuth.FlowExpire`
 * and is deleted by the callback, whatever its outcome.
 *
 * @example
 * const cookie = createOAuthFlowCookie({ secure: true });
 * cookie.set(reply, sealer.seal(flow), 600);
 */
export function createOAuthFlowCookie(settings: { readonly secure: boolean }): OAuthFlowCookie {
  const name = settings.secure ? '__Host-jwtgate_oauth' : 'jwtgate_oauth';
  const attributes = { path: '/', secure: settings.secure, sameSite: 'Lax' as const };
  const append = (reply: FastifyReply, value: string) => {
    const existing = reply.getHeader('set-cookie');
    const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
    reply.header('set-cookie', [...list, value]);
  };
  return {
    name,
    set(reply, sealed, maxAgeSec) {
      append(reply, serializeCookie(name, sealed, { ...attributes, maxAge: maxAgeSec }));
    },
    read(request) {
      const values = readCookieValues(request.headers.cookie, name);
      return values.length === 1 && (values[0] as string).length > 0 ? (values[0] as string) : null;
    },
    clear(reply) {
      append(reply, serializeCookie(name, '', { ...attributes, maxAge: 0 }));
    },
  };
}
