import { AuthError } from '../errors/auth-error.js';
import { newSessionId } from '../token/refresh-token.js';
import type { UserRecord } from '../user/user-record.js';
import { type IssuedTokens, mintAccessToken } from './mint-access-token.js';
import { noteRevoked, type SessionContext } from './session-context.js';
import type { SessionRecord } from './session-record.js';

/** Who logs in, from where. */
export interface IssueSessionInput {
  /**
   * The user as read by the check that let them in (the password check, a
   * second factor, a reset link), not read again afterwards: its
   * `credentialVersion` is what the session is started from.
   */
  readonly user: UserRecord;
  readonly device?: string | null;
  readonly ip?: string | null;
  readonly userAgent?: string | null;
  /** RFC 8176 methods the user signed in with; `['pwd']` when omitted. */
  readonly amr?: readonly string[];
  /** When the first factor passed (milliseconds); now when omitted. */
  readonly authTime?: number;
}

/**
 * Starts a session for an authenticated user and returns its first tokens.
 * With a session limit, the user's oldest sessions are revoked in the same
 * store transaction (limit 1: a new login signs the other device out).
 *
 * The session records the user's credential version as the check read it.
 * Once it is stored, the user is read again: if a credential change (a new
 * password, a role, disabling; see `changeCredentials`) raised the version
 * since the check, the session is ended before any token leaves, and the
 * login fails with `ERR_INVALID_CREDENTIALS` (reason `credentials-changed`).
 * That second read after the session exists is what makes a login racing a
 * change lose to it, whichever store holds users and sessions.
 */
export async function issueSession(ctx: SessionContext, input: IssueSessionInput): Promise<IssuedTokens> {
  const { policy } = ctx;
  const now = ctx.clock.now();
  const id = newSessionId(input.user.id);
  const refreshToken = ctx.refreshTokens.mint(id, 0);
  const expiresAt = now + policy.sessionMaxAgeSec * 1000;
  const session: SessionRecord = {
    id,
    userId: input.user.id,
    device: input.device ?? null,
    ip: input.ip ?? null,
    userAgent: input.userAgent ?? null,
    createdAt: now,
    lastUsedAt: now,
    expiresAt,
    refreshExpiresAt: Math.min(now + policy.refreshTtlSec * 1000, expiresAt),
    generation: 0,
    currentHash: ctx.refreshTokens.hash(refreshToken),
    previousHash: null,
    rotatedAt: null,
    revokedAt: null,
    revokeReason: null,
    amr: input.amr ?? ['pwd'],
    authTime: input.authTime ?? now,
    credentialVersion: input.user.credentialVersion,
  };
  // Signing first means a failing custom-claims hook leaves no half-made session behind.
  const access = await mintAccessToken(ctx, input.user, session);
  const evicted = await ctx.store.create(session, { now, maxActive: policy.maxSessionsPerUser });
  noteRevoked(ctx, evicted, 'session-limit');
  await confirmCredentials(ctx, session);
  ctx.emit({
    type: 'session.created',
    at: now,
    sessionId: id,
    userId: session.userId,
    ip: session.ip,
    userAgent: session.userAgent,
  });
  return { ...access, refreshToken, tokenType: 'Bearer', session };
}

/** Ends the new session and refuses the login unless the user is still as the check found them. */
async function confirmCredentials(ctx: SessionContext, session: SessionRecord): Promise<void> {
  let current: UserRecord | null;
  try {
    current = await ctx.users.findById(session.userId);
  } catch (error) {
    // Unconfirmed, the session is not handed out; ended if the session store allows, so it
    // counts for nothing. Its refresh token never left this process either way.
    await endSession(ctx, session).catch(() => {});
    throw error;
  }
  if (current !== null && !current.disabled && current.credentialVersion === session.credentialVersion) return;
  await endSession(ctx, session);
  throw new AuthError('ERR_INVALID_CREDENTIALS', {
    reason: current === null || current.disabled ? 'disabled' : 'credentials-changed',
    userId: session.userId,
  });
}

async function endSession(ctx: SessionContext, session: SessionRecord): Promise<void> {
  const revoked = await ctx.store.revoke(session.id, { now: ctx.clock.now(), reason: 'credentials-changed' });
  if (revoked !== null) noteRevoked(ctx, [revoked], 'credentials-changed');
}
