import { AuthError } from '../errors/auth-error.js';
import { type AccessTokenVerifierOptions, createAccessTokenVerifier } from '../token/access-token-verifier.js';
import type { AccessTokenClaims } from '../token/claims.js';
import type { RefreshTokenReading } from '../token/refresh-token.js';
import type { IssuedTokens } from './mint-access-token.js';
import type { SessionReadAhead } from './read-ahead.js';
import { refreshSession } from './refresh.js';
import type { SessionContext } from './session-context.js';

/** A silent refresh: an expired access token and the refresh token of the same session. */
export interface RenewSessionInput {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** `refreshTokens.read(refreshToken)` when the caller has it already; see `RefreshSessionInput.reading`. */
  readonly reading?: RefreshTokenReading | null;
  /** See `RefreshSessionInput.readAhead`. */
  readonly readAhead?: SessionReadAhead | null;
  readonly ip?: string | null;
  readonly userAgent?: string | null;
}

/** Verifies an access token that has expired as if it had not: every other check still applies. */
export type ExpiredTokenVerifier = (token: string) => AccessTokenClaims;

function invalid(reason: string): AuthError {
  return new AuthError('ERR_TOKEN_INVALID', { reason });
}

/** `exp` read without verification, only to know which instant to verify the token at. */
function peekExpiry(token: string): number {
  const payload = token.split('.')[1];
  if (payload === undefined || !/^[A-Za-z0-9_-]+$/.test(payload)) throw invalid('payload-encoding');
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid('payload-json');
  }
  const exp = (claims as { exp?: unknown } | null)?.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw invalid('exp-missing');
  return exp;
}

/**
 * A verifier for access tokens that have expired and are otherwise valid:
 * signature, algorithm, `typ`, `iss`, `aud` and the required claims are all
 * checked, by the ordinary verifier, as of the last millisecond of the token's
 * life. A token that has not expired yet is refused (`reason: 'not-expired'`):
 * it needs no renewal, and this path must not become a second way in.
 *
 * Pinning the verifier's clock, rather than adding an "ignore expiry" switch to
 * the verifier, means no code path exists where a live request skips `exp`.
 *
 * @example
 * const verifyExpired = createExpiredTokenVerifier({ keys: [key], issuer: 'jwtgate', audience: 'jwtgate', clockToleranceSec: 5, clock });
 * verifyExpired(expiredToken).sid;
 */
export function createExpiredTokenVerifier(
  options: AccessTokenVerifierOptions & { readonly clock: { now(): number } },
): ExpiredTokenVerifier {
  let pinnedAt = 0;
  const atExpiry = createAccessTokenVerifier({
    ...options,
    clockToleranceSec: 0,
    // Each expired token comes here about once: remembering it would only hold memory.
    verifiedTokenCacheSize: 0,
    clock: { now: () => pinnedAt },
  });
  return (token) => {
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) throw invalid('length');
    const exp = peekExpiry(token);
    if (options.clock.now() / 1000 < exp + options.clockToleranceSec) throw invalid('not-expired');
    // Verification is synchronous, so nothing can observe the pinned clock in between.
    pinnedAt = exp * 1000 - 1;
    return atExpiry.verify(token);
  };
}

/**
 * Silent refresh: renews the session of an expired access token with the
 * refresh token of that same session, with exactly the rotation, grace and
 * reuse rules of {@link refreshSession}, which it calls.
 *
 * - the access token must have expired and be otherwise valid (`ERR_TOKEN_INVALID`);
 * - the refresh token must belong to the token's session; when it does not,
 *   the access token simply stays expired (`ERR_TOKEN_EXPIRED`) and nothing changes,
 *   so one session's cookie never renews another session's token;
 * - a revoked session answers `ERR_SESSION_REVOKED` without touching the store.
 */
export async function renewSession(
  ctx: SessionContext,
  verifyExpired: ExpiredTokenVerifier,
  input: RenewSessionInput,
): Promise<IssuedTokens> {
  const claims = verifyExpired(input.accessToken);
  const given = input.reading;
  const fields =
    given != null && ctx.refreshTokens.isReadingOf(given, input.refreshToken)
      ? given
      : ctx.refreshTokens.read(input.refreshToken);
  if (fields === null) throw new AuthError('ERR_REFRESH_TOKEN_INVALID', { reason: 'format' });
  if (fields.sessionId !== claims.sid) throw new AuthError('ERR_TOKEN_EXPIRED', { reason: 'session-mismatch' });
  if (ctx.revocations.has(claims.sid)) throw new AuthError('ERR_SESSION_REVOKED', { reason: 'revoked' });
  return refreshSession(ctx, {
    refreshToken: input.refreshToken,
    reading: fields,
    readAhead: input.readAhead ?? null,
    ip: input.ip ?? null,
    userAgent: input.userAgent ?? null,
  });
}
