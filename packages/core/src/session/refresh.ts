import { timingSafeEqual } from 'node:crypto';
import { AuthError } from '../errors/auth-error.js';
import type { RefreshTokenReading } from '../token/refresh-token.js';
import type { UserRecord } from '../user/user-record.js';
import { type IssuedTokens, mintAccessToken } from './mint-access-token.js';
import type { SessionReadAhead } from './read-ahead.js';
import { noteRevoked, type SessionContext } from './session-context.js';
import type { SessionRecord } from './session-record.js';

/** A refresh request. */
export interface RefreshSessionInput {
  readonly refreshToken: string;
  /**
   * `refreshTokens.read(refreshToken)`, when the caller has it already (the
   * refresh throttle reads the token to find its session), so the MAC is
   * checked once per refresh. Used only if it is the codec's own reading of
   * this very token.
   */
  readonly reading?: RefreshTokenReading | null;
  /**
   * `readAhead(sessionId)` of the same manager, begun while the caller waited
   * on something else (the refresh throttle), so that the session's read
   * overlaps that wait. Used only for the session this token names.
   */
  readonly readAhead?: SessionReadAhead | null;
  readonly ip?: string | null;
  readonly userAgent?: string | null;
}

function sameHash(a: string | null, b: string): boolean {
  if (a === null || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Rotates a refresh token (RFC 9700 §4.14.2): the presented token is spent
 * and a successor issued. Presenting the same token again
 *
 * - within the grace window, while its successor is current, returns that
 *   same successor (concurrent tabs neither fork the session nor end it);
 * - later, or any older generation, is theft: the session is revoked.
 *
 * The store's compare-and-swap decides the single winner among concurrent calls.
 */
export async function refreshSession(ctx: SessionContext, input: RefreshSessionInput): Promise<IssuedTokens> {
  const { refreshTokens } = ctx;
  const given = input.reading;
  const fields =
    given != null && refreshTokens.isReadingOf(given, input.refreshToken)
      ? given
      : refreshTokens.read(input.refreshToken);
  if (fields === null) throw new AuthError('ERR_REFRESH_TOKEN_INVALID', { reason: 'format' });
  const { hash } = fields;
  const ip = input.ip ?? null;
  const userAgent = input.userAgent ?? null;

  let session = await loadLiveSession(ctx, fields.sessionId, ctx.readAheads.take(input.readAhead, fields.sessionId));
  if (fields.generation === session.generation && sameHash(session.currentHash, hash)) {
    const now = ctx.clock.now();
    if (now >= session.refreshExpiresAt) throw new AuthError('ERR_REFRESH_TOKEN_EXPIRED', { reason: 'idle' });
    const user = await loadActiveUser(ctx, session);
    const successor = fields.successor();
    const refreshExpiresAt = Math.min(now + ctx.policy.refreshTtlSec * 1000, session.expiresAt);
    const rotated: SessionRecord = {
      ...session,
      generation: session.generation + 1,
      previousHash: hash,
      currentHash: fields.successorHash(),
      rotatedAt: now,
      lastUsedAt: now,
      refreshExpiresAt,
      ip,
      userAgent,
    };
    // Everything that can fail (user lookup, custom claims, signing) happens before the
    // rotation, so that a failure leaves the presented token unspent and the client can retry.
    const access = await mintAccessToken(ctx, user, rotated);
    const won = await ctx.store.rotate({
      id: session.id,
      fromGeneration: session.generation,
      fromHash: hash,
      toHash: rotated.currentHash,
      now,
      refreshExpiresAt,
      ip,
      userAgent,
    });
    if (won) {
      ctx.emit({
        type: 'session.refreshed',
        at: now,
        sessionId: session.id,
        userId: session.userId,
        ip,
        userAgent,
        generation: rotated.generation,
      });
      return { ...access, refreshToken: successor, tokenType: 'Bearer', session: rotated };
    }
    // A concurrent request spent this token a moment ago; judge it as a replay.
    session = await loadLiveSession(ctx, fields.sessionId);
  }

  if (fields.generation === session.generation - 1 && sameHash(session.previousHash, hash)) {
    const now = ctx.clock.now();
    const graceMs = ctx.policy.refreshGraceSec * 1000;
    if (
      graceMs > 0 &&
      session.rotatedAt !== null &&
      now - session.rotatedAt <= graceMs &&
      sameHash(session.currentHash, fields.successorHash())
    ) {
      const user = await loadActiveUser(ctx, session);
      ctx.emit({
        type: 'session.refresh-replayed',
        at: now,
        sessionId: session.id,
        userId: session.userId,
        ip,
        userAgent,
        generation: session.generation,
      });
      const tokens = await issue(ctx, user, session, fields.successor());
      // No compare-and-swap guards this answer as one guards a rotation. Were the session
      // ended while the token was made, the token would be newer than the revocation and
      // outlive the revocation list's entry for it; so look once more before handing it out.
      await loadLiveSession(ctx, session.id);
      return tokens;
    }
  }

  if (fields.generation < session.generation) {
    // An authentic but spent token: someone holds a copy. End the session for everyone.
    const now = ctx.clock.now();
    ctx.emit({
      type: 'session.reuse-detected',
      at: now,
      sessionId: session.id,
      userId: session.userId,
      ip,
      userAgent,
      generation: fields.generation,
    });
    const revoked = await ctx.store.revoke(session.id, { now, reason: 'refresh-token-reuse' });
    if (revoked !== null) noteRevoked(ctx, [revoked], 'refresh-token-reuse');
    throw new AuthError('ERR_REFRESH_TOKEN_REUSED');
  }
  throw new AuthError('ERR_REFRESH_TOKEN_INVALID', { reason: 'generation' });
}

async function loadLiveSession(
  ctx: SessionContext,
  sessionId: string,
  read: Promise<SessionRecord | null> = ctx.store.get(sessionId),
): Promise<SessionRecord> {
  const session = await read;
  if (session === null) throw new AuthError('ERR_REFRESH_TOKEN_INVALID', { reason: 'unknown-session' });
  if (session.revokedAt !== null) throw new AuthError('ERR_SESSION_REVOKED', { reason: 'revoked' });
  if (ctx.clock.now() >= session.expiresAt) {
    throw new AuthError('ERR_REFRESH_TOKEN_EXPIRED', { reason: 'session-max-age' });
  }
  return session;
}

/**
 * A disabled or deleted user's session ends at its next refresh, if an admin
 * has not ended it already; so does a session started before the user's
 * credentials last changed (its version is behind the user's), which the
 * change's own revocation should have ended but did not reach.
 */
async function loadActiveUser(ctx: SessionContext, session: SessionRecord): Promise<UserRecord> {
  const user = await ctx.users.findById(session.userId);
  if (user !== null && !user.disabled) {
    if (user.credentialVersion === session.credentialVersion) return user;
    // The session was read before the user: a change made from this very session (a new
    // password) may have moved it to the new version in between. Read it again before taking
    // it for one the change left behind, or the user would be signed out for changing it.
    if (user.credentialVersion > session.credentialVersion) {
      const current = await ctx.store.get(session.id);
      if (current !== null && current.revokedAt === null && current.credentialVersion === user.credentialVersion) {
        return user;
      }
    }
  }
  const reason = user === null || user.disabled ? 'user-disabled' : 'credentials-changed';
  const revoked = await ctx.store.revoke(session.id, { now: ctx.clock.now(), reason });
  if (revoked !== null) noteRevoked(ctx, [revoked], reason);
  throw new AuthError('ERR_SESSION_REVOKED', { reason });
}

async function issue(
  ctx: SessionContext,
  user: UserRecord,
  session: SessionRecord,
  refreshToken: string,
): Promise<IssuedTokens> {
  const access = await mintAccessToken(ctx, user, session);
  return { ...access, refreshToken, tokenType: 'Bearer', session };
}
