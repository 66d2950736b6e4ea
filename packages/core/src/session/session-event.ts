import type { SessionActor } from './session-record.js';

/** Something that happened to a session, for logs, audit and alerting. Never carries a token. */
export interface SessionEvent {
  readonly type:
    | 'session.created'
    | 'session.refreshed'
    | 'session.refresh-replayed'
    | 'session.reuse-detected'
    | 'session.revoked';
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly sessionId: string;
  readonly userId: string;
  readonly ip?: string | null;
  readonly userAgent?: string | null;
  /** Why a session was revoked. */
  readonly reason?: string;
  /** Who revoked it (`session.revoked` only). */
  readonly actor?: SessionActor;
  /** The refresh generation involved. */
  readonly generation?: number;
}
