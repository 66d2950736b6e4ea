import type { Clock } from '../clock.js';
import type { RefreshTokenCodec } from '../token/refresh-token.js';
import type { JwtSigner } from '../token/sign.js';
import type { UserRecord } from '../user/user-record.js';
import type { UserStore } from '../user/user-store.js';
import type { ReadAheads } from './read-ahead.js';
import type { RevocationList } from './revocation-list.js';
import type { SessionEvent } from './session-event.js';
import type { SessionPolicy } from './session-policy.js';
import {
  actorOfReason,
  type RevokedSession,
  type RevokeReason,
  type SessionActor,
  type SessionRecord,
} from './session-record.js';
import type { SessionStore } from './session-store.js';

/** Adds claims to access tokens; may not set reserved claims (`sub`, `sid`, `exp`...). */
export type CustomClaimsHook = (input: {
  readonly user: UserRecord;
  readonly session: SessionRecord;
}) => Readonly<Record<string, unknown>> | Promise<Readonly<Record<string, unknown>>>;

/** Everything the session operations need; assembled once by `createSessionManager`. */
export interface SessionContext {
  readonly store: SessionStore;
  readonly users: Pick<UserStore, 'findById'>;
  readonly signer: JwtSigner;
  readonly refreshTokens: RefreshTokenCodec;
  readonly revocations: RevocationList;
  readonly clock: Clock;
  readonly policy: SessionPolicy;
  readonly customClaims: CustomClaimsHook | undefined;
  /** Observers; must not throw or block. */
  readonly emit: (event: SessionEvent) => void;
  /** Called after sessions were revoked here, e.g. to tell other instances. */
  readonly onRevoked: ((sessions: readonly RevokedSession[]) => void) | undefined;
  /** Session reads begun before a refresh, while the caller waited on something else. */
  readonly readAheads: ReadAheads;
}

/** Records revocations locally, then tells whoever listens. */
export function noteRevoked(
  ctx: SessionContext,
  sessions: readonly RevokedSession[],
  reason: RevokeReason,
  actor: SessionActor = actorOfReason(reason),
): void {
  if (sessions.length === 0) return;
  for (const session of sessions) {
    ctx.revocations.add(session.id, session.revokedAt);
    ctx.emit({
      type: 'session.revoked',
      at: session.revokedAt,
      sessionId: session.id,
      userId: session.userId,
      reason,
      actor,
    });
  }
  ctx.onRevoked?.(sessions);
}
