/**
 * One login on one device. Times are milliseconds since the epoch.
 * Stores keep only hashes of refresh tokens.
 */
export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  /** A label the client chose at login ("Alice's phone"), or `null`. */
  readonly device: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly createdAt: number;
  /** Last login or refresh. */
  readonly lastUsedAt: number;
  /** Absolute end of the session; rotation never moves it. */
  readonly expiresAt: number;
  /** When the current refresh token stops working if unused. */
  readonly refreshExpiresAt: number;
  /** Rotations so far; the current refresh token carries this number. */
  readonly generation: number;
  /** Hash of the current refresh token. */
  readonly currentHash: string;
  /** Hash of the token the current one replaced, kept for the grace window and reuse detection. */
  readonly previousHash: string | null;
  /** When the last rotation happened. */
  readonly rotatedAt: number | null;
  readonly revokedAt: number | null;
  readonly revokeReason: string | null;
  /**
   * How the user signed in, as RFC 8176 method names (`['pwd']`,
   * `['pwd', 'otp', 'mfa']`); every access token of the session says so in `amr`.
   * Sessions stored before this was kept read as `['pwd']`.
   */
  readonly amr: readonly string[];
  /** When the user signed in (the first factor), milliseconds since the epoch: `auth_time`. */
  readonly authTime: number;
  /**
   * The user's `credentialVersion` read by the check this session was
   * started from (or moved to by the password change it survived). A
   * refresh refuses and ends the session once the user's version differs.
   */
  readonly credentialVersion: number;
}

/** A session that a revocation just ended. */
export interface RevokedSession {
  readonly id: string;
  readonly userId: string;
  readonly revokedAt: number;
}

/** Why sessions end; recorded with them. */
export type RevokeReason =
  | 'logout'
  | 'logout-others'
  | 'logout-all'
  | 'kicked'
  | 'session-limit'
  | 'refresh-token-reuse'
  | 'user-disabled'
  | 'user-deleted'
  | 'admin'
  | 'password-changed'
  | 'password-reset'
  | 'credentials-changed'
  | 'provider-logout';

/**
 * Who ended a session, for audit trails: its own user (a logout, ending one
 * of their devices), an administrator through the API (`id` is theirs, when
 * known), an operator at the command line (`jwtgate user logout`...), or
 * jwtgate itself (reuse detection, the session limit, a disabled account or
 * changed credentials met at login or refresh).
 */
export interface SessionActor {
  readonly kind: 'self' | 'admin' | 'cli' | 'system';
  /** The administrator's user id, when `kind` is `admin`. */
  readonly id?: string;
}

const SELF: SessionActor = { kind: 'self' };
const ADMIN: SessionActor = { kind: 'admin' };
const SYSTEM: SessionActor = { kind: 'system' };

/**
 * The actor a reason implies, for revocations whose caller named none.
 *
 * @example
 * actorOfReason('logout'); // { kind: 'self' }
 * actorOfReason('refresh-token-reuse'); // { kind: 'system' }
 */
export function actorOfReason(reason: RevokeReason): SessionActor {
  switch (reason) {
    case 'logout':
    case 'logout-others':
    case 'logout-all':
    case 'kicked':
    case 'password-changed':
    case 'password-reset':
      return SELF;
    case 'admin':
      return ADMIN;
    case 'session-limit':
    case 'refresh-token-reuse':
    case 'user-disabled':
    case 'user-deleted':
    case 'credentials-changed':
    case 'provider-logout':
      return SYSTEM;
  }
}

/** Whether a session can still be refreshed at `now`. */
export function isSessionActive(session: SessionRecord, now: number): boolean {
  return session.revokedAt === null && session.expiresAt > now && session.refreshExpiresAt > now;
}
