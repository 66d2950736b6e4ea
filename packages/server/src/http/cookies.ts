/**
 * The little of RFC 6265 jwtgate needs: reading one cookie from a `Cookie`
 * header and writing one `Set-Cookie` value. Written here rather than pulled
 * in, because the refresh cookie is the most sensitive value the server
 * handles and these thirty lines are easier to audit than a dependency.
 */

/** RFC 6265 §4.1.1 cookie-name: an RFC 7230 token. */
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 6265 §4.1.1 cookie-octet, without the optional surrounding quotes. */
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

/**
 * Every value the `Cookie` header gives for `name`, in the order sent. A
 * browser sends one value per matching cookie, so more than one means
 * cookies with the same name from different paths or domains.
 *
 * @example
 * readCookieValues('a=1; __Secure-rt=jgr1_x; b=2', '__Secure-rt'); // ['jgr1_x']
 */
export function readCookieValues(header: string | undefined, name: string): string[] {
  if (header === undefined || header.length === 0) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    values.push(value);
  }
  return values;
}

/** Attributes of a cookie jwtgate sets; always `HttpOnly`, never `Domain` (host-only). */
export interface CookieAttributes {
  readonly path: string;
  /** Seconds; 0 deletes the cookie. */
  readonly maxAge: number;
  readonly secure: boolean;
  readonly sameSite: 'Strict' | 'Lax';
}

/**
 * One `Set-Cookie` header value. Refuses names and values a browser would
 * misparse, so a bad value can never smuggle in attributes.
 *
 * @example
 * serializeCookie('__Secure-rt', 'jgr1_x', { path: '/auth', maxAge: 600, secure: true, sameSite: 'Strict' });
 * // '__Secure-rt=jgr1_x; Path=/auth; Max-Age=600; HttpOnly; Secure; SameSite=Strict'
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  if (!COOKIE_NAME.test(name)) throw new TypeError('invalid cookie name');
  if (!COOKIE_VALUE.test(value)) throw new TypeError('invalid cookie value');
  if (!/^\/[\x21-\x3A\x3C-\x7E]*$/.test(attributes.path)) throw new TypeError('invalid cookie path');
  const maxAge = Math.max(0, Math.floor(attributes.maxAge));
  const parts = [`${name}=${value}`, `Path=${attributes.path}`, `Max-Age=${maxAge}`];
  // Browsers too old for Max-Age=0 still honour a past Expires.
  if (maxAge === 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  parts.push('HttpOnly');
  if (attributes.secure) parts.push('Secure');
  parts.push(`SameSite=${attributes.sameSite}`);
  return parts.join('; ');
}
