import {
  type AccessTokenClaims,
  ADMIN_ROLE,
  AuthError,
  type Clock,
  createJwtVerifier,
  createSecretJwtKey,
  DEFAULT_ROLE,
  isAuthError,
  isValidRole,
  type SessionManager,
} from '@jwtgate/core';

/** Options of {@link acceptGoZeroTokens}. */
export interface GoZeroTokenOptions {
  /** The secrets the go-zero user-api signed access tokens with (its `AccessSecret`, and a `PrevSecret`). */
  readonly secrets: readonly string[];
  readonly clockToleranceSec: number;
  readonly clock: Clock;
}

/** The user id a go-zero token names, exactly, or `null` when it names none or only a rounded one. */
function userIdOf(claims: Readonly<Record<string, unknown>>): string | null {
  const id = claims.userId;
  if (typeof id === 'bigint') return id.toString();
  // Above 2^53 a parsed number is already rounded: it could name another user, so it names nobody.
  if (typeof id === 'number') return Number.isSafeInteger(id) ? String(id) : null;
  if (typeof id === 'string' && id.length > 0 && id.length <= 64) return id;
  return null;
}

/**
 * The session manager, with the access tokens a go-zero user-api issued
 * also accepted (`Auth.GoZero`), so that a cut-over logs nobody out. Such a
 * token is HS256 with `typ: JWT`, signed with one of `secrets`, and carries
 * `userId`, `exp` and `iat`; it is judged by signature, algorithm and time,
 * and surfaces with `sub` set to its `userId` (exact, a decimal string for a
 * numeric id), its `role` when it names a valid one other than `admin` (else `user`:
 * jwtgate's administration is not the old service's to grant), and an
 * empty `sid`: it belongs to no jwtgate session, so nothing revokes it but
 * its `exp`, as before the move. A `userId` beyond 2^53 that the parser
 * could only read rounded is refused rather than taken for another user.
 * jwtgate's own tokens (`typ: at+jwt`) are judged as before, and never by
 * these looser rules.
 *
 * @example
 * const sessions = acceptGoZeroTokens(manager, { secrets: [config.auth.accessSecret], clockToleranceSec: 5, clock });
 */
export function acceptGoZeroTokens(sessions: SessionManager, options: GoZeroTokenOptions): SessionManager {
  const keys = options.secrets.map((secret, index) =>
    createSecretJwtKey({ secret, alg: 'HS256', kid: `go-zero-${index}` }),
  );
  if (keys.length === 0) return sessions;
  const verifier = createJwtVerifier({
    keys,
    // golang-jwt writes typ JWT; a token typed at+jwt must pass jwtgate's own rules.
    typ: 'JWT',
    requiredClaims: ['userId', 'iat'],
    clockToleranceSec: options.clockToleranceSec,
    clock: options.clock,
  });
  return {
    ...sessions,
    authenticate(token) {
      try {
        return sessions.authenticate(token);
      } catch (error) {
        // Only a token that is no jwtgate access token by its header (typ, or an algorithm jwtgate does not sign with).
        if (!isAuthError(error, 'ERR_TOKEN_INVALID') || (error.reason !== 'typ' && error.reason !== 'alg')) throw error;
      }
      const { claims } = verifier.verify(token);
      const sub = userIdOf(claims);
      if (sub === null) throw new AuthError('ERR_TOKEN_INVALID', { reason: 'go-zero-user-id' });
      // jwtgate's administration was never the old service's to grant.
      const role =
        typeof claims.role === 'string' && isValidRole(claims.role) && claims.role !== ADMIN_ROLE
          ? claims.role
          : DEFAULT_ROLE;
      return Object.freeze({
        ...claims,
        iss: '',
        aud: [],
        sub,
        sid: '',
        role,
        iat: claims.iat as number,
        exp: claims.exp as number,
        jti: '',
      }) satisfies AccessTokenClaims;
    },
    async checkSession(claims) {
      // A go-zero token has no session to look up (strict revocation); its exp is what ends it.
      if (claims.sid === '') return;
      return sessions.checkSession(claims);
    },
  };
}
