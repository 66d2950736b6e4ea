import { AuthError } from '../errors/auth-error.js';

/** The member of `events` that makes a JWT a logout token (OpenID Connect Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** What a valid logout token asks for: the sessions to end, and its `jti` for the replay check. */
export interface LogoutRequest {
  readonly jti: string;
  /** The user at the provider; `null` when the token names only a provider session. */
  readonly subject: string | null;
  /** The provider's session; `null` when the token names only a user. */
  readonly providerSid: string | null;
}

const MAX_VALUE_LENGTH = 255;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(reason: string): AuthError {
  return new AuthError('ERR_LOGOUT_TOKEN_INVALID', { reason });
}

/** A string claim of a sane length, `null` when absent; anything else is refused. */
function optionalText(claims: Record<string, unknown>, name: string): string | null {
  const value = claims[name];
  if (value === undefined) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_VALUE_LENGTH) throw invalid(name);
  return value;
}

/**
 * The checks of OpenID Connect Back-Channel Logout 1.0 §2.6 that concern
 * the claims and header of a logout token whose signature, `iss`, `aud`,
 * `iat` and `exp` the caller has already verified against the provider
 * (steps 1 to 3): `typ`, when present, is `logout+jwt` (or the generic
 * `JWT`, which types nothing); `jti` is present;
 * `events` is an object whose backchannel-logout member is an object;
 * `sub` or `sid` is present; `nonce` is absent, so an id token can never
 * pass for a logout token. Throws `ERR_LOGOUT_TOKEN_INVALID`.
 *
 * @example
 * const { jti, subject, providerSid } = readLogoutToken(payload, protectedHeader);
 */
export function readLogoutToken(claims: Record<string, unknown>, header: { readonly typ?: unknown }): LogoutRequest {
  if (header.typ !== undefined) {
    const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : '';
    // RFC 7515 §4.1.9: the `application/` prefix may be left out. The generic `JWT` (RFC 7519
    // §5.1) types nothing, and providers in use send it (Keycloak): it counts as untyped.
    if (typ !== 'logout+jwt' && typ !== 'application/logout+jwt' && typ !== 'jwt') throw invalid('typ');
  }
  const jti = optionalText(claims, 'jti');
  if (jti === null) throw invalid('jti');
  const events = claims.events;
  if (!isObject(events) || !isObject(events[BACKCHANNEL_LOGOUT_EVENT])) throw invalid('events');
  if (claims.nonce !== undefined) throw invalid('nonce');
  const subject = optionalText(claims, 'sub');
  const providerSid = optionalText(claims, 'sid');
  if (subject === null && providerSid === null) throw invalid('no-sub-or-sid');
  return { jti, subject, providerSid };
}
