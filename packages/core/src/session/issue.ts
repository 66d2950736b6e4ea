import { newSessionId } from '../token/refresh-token.js';
import type { UserRecord } from '../user/user-record.js';
import { type IssuedTokens, mintAccessToken } from './mint-access-token.js';
import { noteRevoked, type SessionContext } from './session-context.js';
import type { SessionRecord } from './session-record.js';

/** Who logs in, from where. */
export interface IssueSessionInput {
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
  };
  // Signing first means a failing custom-claims hook leaves no half-made session behind.
  const access = await mintAccessToken(ctx, input.user, session);
  const evicted = await ctx.store.create(session, { now, maxActive: policy.maxSessionsPerUser });
  noteRevoked(ctx, evicted, 'session-limit');
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
