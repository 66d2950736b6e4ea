import { noteRevoked, type SessionContext } from './session-context.js';
import type { RevokeReason, SessionActor } from './session-record.js';

/** How a revocation is recorded: why, and who asked (derived from the reason when omitted). */
export interface RevokeOptions {
  readonly reason: RevokeReason;
  readonly actor?: SessionActor;
}

/**
 * Ends one session; its access tokens stop working at once.
 * With `userId`, only if the session belongs to that user.
 * Returns whether a session was revoked.
 */
export async function revokeSession(
  ctx: SessionContext,
  sessionId: string,
  options: RevokeOptions & { readonly userId?: string },
): Promise<boolean> {
  const { actor, ...scope } = options;
  const revoked = await ctx.store.revoke(sessionId, { now: ctx.clock.now(), ...scope });
  if (revoked === null) return false;
  noteRevoked(ctx, [revoked], options.reason, actor);
  return true;
}

/**
 * Ends every session of a user, optionally but one, which may move to a new
 * credential version at the same time (see `SessionStore.revokeAll`).
 * Returns how many ended.
 */
export async function revokeUserSessions(
  ctx: SessionContext,
  userId: string,
  options: RevokeOptions & { readonly exceptSessionId?: string; readonly exceptCredentialVersion?: number },
): Promise<number> {
  const revoked = await ctx.store.revokeAll(userId, {
    now: ctx.clock.now(),
    reason: options.reason,
    ...(options.exceptSessionId === undefined ? {} : { exceptId: options.exceptSessionId }),
    ...(options.exceptSessionId === undefined || options.exceptCredentialVersion === undefined
      ? {}
      : { exceptCredentialVersion: options.exceptCredentialVersion }),
  });
  noteRevoked(ctx, revoked, options.reason, options.actor);
  return revoked.length;
}
