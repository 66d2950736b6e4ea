import { noteRevoked, type SessionContext } from './session-context.js';
import type { RevokeReason } from './session-record.js';

/**
 * Ends one session; its access tokens stop working at once.
 * With `userId`, only if the session belongs to that user.
 * Returns whether a session was revoked.
 */
export async function revokeSession(
  ctx: SessionContext,
  sessionId: string,
  options: { readonly reason: RevokeReason; readonly userId?: string },
): Promise<boolean> {
  const revoked = await ctx.store.revoke(sessionId, { now: ctx.clock.now(), ...options });
  if (revoked === null) return false;
  noteRevoked(ctx, [revoked], options.reason);
  return true;
}

/** Ends every session of a user, optionally but one. Returns how many ended. */
export async function revokeUserSessions(
  ctx: SessionContext,
  userId: string,
  options: { readonly reason: RevokeReason; readonly exceptSessionId?: string },
): Promise<number> {
  const revoked = await ctx.store.revokeAll(userId, {
    now: ctx.clock.now(),
    reason: options.reason,
    ...(options.exceptSessionId === undefined ? {} : { exceptId: options.exceptSessionId }),
  });
  noteRevoked(ctx, revoked, options.reason);
  return revoked.length;
}
