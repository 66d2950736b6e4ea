import { AuthError, type Clock, type RefreshTokenCodec } from '@jwtgate/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JwtgateConfig } from '../config/config.js';
import { readCookieValues, serializeCookie } from './cookies.js';

/** The refresh token's cookie in cookie mode. */
export interface RefreshCookie {
  /** The full cookie name, prefix included (`__Secure-jwtgate_refresh`). */
  readonly name: string;
  /** Whether the request carries the cookie at all (one copy or several). */
  has(request: FastifyRequest): boolean;
  /**
   * The refresh token in the request's cookie, or `null` when there is none.
   * Several cookies of that name mean one was planted from a sibling domain
   * or another path: the request is refused (`ERR_REFRESH_TOKEN_INVALID`)
   * rather than guessing which one is ours.
   */
  read(request: FastifyRequest): string | null;
  /** The session of the request's cookie when it holds one authentic refresh token, else `null`. */
  sessionIdOf(request: FastifyRequest): string | null;
  /** Sets the cookie to `token`, living as long as the refresh token may (`refreshExpiresAt`, ms). */
  set(reply: FastifyReply, token: string, refreshExpiresAt: number): void;
  /** Deletes the cookie, with the very attributes it was set with so the browser matches it. */
  clear(reply: FastifyReply): void;
}

/**
 * The cookie name with the prefix its attributes earn: `__Host-` needs
 * `Secure`, `Path=/` and no `Domain`; `__Secure-` needs `Secure`. A browser
 * refuses a prefixed cookie that lacks them, and a sibling subdomain cannot
 * plant a `__Host-` cookie at all.
 *
 * @example
 * refreshCookieName({ name: 'jwtgate_refresh', path: '/auth', secure: true }); // '__Secure-jwtgate_refresh'
 */
export function refreshCookieName(settings: Pick<JwtgateConfig['cookie'], 'name' | 'path' | 'secure'>): string {
  if (!settings.secure) return settings.name;
  return `${settings.path === '/' ? '__Host-' : '__Secure-'}${settings.name}`;
}

/**
 * @example
 * const cookie = createRefreshCookie(config.cookie, { clock, refreshTokens: sessions.refreshTokens });
 * cookie.set(reply, tokens.refreshToken, tokens.session.refreshExpiresAt);
 */
export function createRefreshCookie(
  settings: JwtgateConfig['cookie'],
  deps: { readonly clock: Clock; readonly refreshTokens: RefreshTokenCodec },
): RefreshCookie {
  const { clock, refreshTokens } = deps;
  const name = refreshCookieName(settings);
  const attributes = { path: settings.path, secure: settings.secure, sameSite: settings.sameSite };
  function read(request: FastifyRequest): string | null {
    const values = readCookieValues(request.headers.cookie, name);
    if (values.length > 1) throw new AuthError('ERR_REFRESH_TOKEN_INVALID', { reason: 'duplicate-cookie' });
    const value = values[0];
    return value === undefined || value.length === 0 ? null : value;
  }
  return {
    name,
    has: (request) => readCookieValues(request.headers.cookie, name).length > 0,
    read,
    sessionIdOf(request) {
      const values = readCookieValues(request.headers.cookie, name);
      const value = values.length === 1 ? values[0] : undefined;
      return value === undefined ? null : (refreshTokens.parse(value)?.sessionId ?? null);
    },
    set(reply, token, refreshExpiresAt) {
      // The server enforces the expiry itself; the cookie only has to go away about then.
      const maxAge = Math.max(1, Math.round((refreshExpiresAt - clock.now()) / 1000));
      reply.header('set-cookie', serializeCookie(name, token, { ...attributes, maxAge }));
    },
    clear(reply) {
      reply.header('set-cookie', serializeCookie(name, '', { ...attributes, maxAge: 0 }));
    },
  };
}
