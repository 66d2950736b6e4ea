import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Why a login is paused after the password: a second factor to check, or one to set up first. */
export type LoginChallengePurpose = 'verify' | 'enroll';

/**
 * A login that passed its first factor and waits for the second. Only the
 * hash of the `mfaToken` is kept; the rest binds the token to the client
 * that got it and carries what that login asked for.
 */
export interface LoginChallenge {
  /** {@link hashLoginChallengeToken} of the token. */
  readonly id: string;
  readonly userId: string;
  readonly purpose: LoginChallengePurpose;
  /** The client's network (`clientNetwork`), or `null` when unknown. */
  readonly network: string | null;
  readonly userAgent: string | null;
  /** The device label of the login. */
  readonly device: string | null;
  /** The login asked for cookie mode. */
  readonly cookie: boolean;
  /** RFC 8176 methods passed so far (`['pwd']`). */
  readonly amr: readonly string[];
  /** When the first factor passed, milliseconds since the epoch. */
  readonly authTime: number;
  /**
   * The user's `credentialVersion` the first factor was checked against: a
   * credential change since (a new password, a factor removed) voids the
   * paused login, as it would a session.
   */
  readonly credentialVersion: number;
  readonly expiresAt: number;
  /**
   * What a sign-in at an identity provider carries to the session the second
   * step starts (its id token for the logout there), sealed by the caller and
   * bound to this challenge; absent for other logins. It goes with the challenge.
   */
  readonly providerHint?: string;
}

/**
 * Where paused logins wait. Each method is one atomic operation; backend
 * failures surface as `AuthError('ERR_STORE_UNAVAILABLE')`. Every
 * implementation runs `runLoginChallengeStoreSuite`.
 */
export interface LoginChallengeStore {
  create(challenge: LoginChallenge): Promise<void>;
  /** The challenge with this id if it has not expired at `now`, else `null`. */
  find(id: string, now: number): Promise<LoginChallenge | null>;
  /** Deletes the challenge if it has not expired; of concurrent callers exactly one gets `true`. */
  consume(id: string, now: number): Promise<boolean>;
  /** Deletes challenges that expired before `before`; returns how many. */
  deleteExpired(before: number): Promise<number>;
}

/** How long a login may wait for its second factor: 5 minutes. */
export const LOGIN_CHALLENGE_TTL_SEC = 300;

const PREFIX = 'jgm1_';

/**
 * A fresh `mfaToken`: 256 random bits behind a prefix no other jwtgate token
 * has, so it can never pass for an access token (not a JWT) or a refresh
 * token (`jgr1_`), and secret scanners can spot it.
 *
 * @example
 * const token = newLoginChallengeToken(); // 'jgm1_…'
 */
export function newLoginChallengeToken(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What the store keys a challenge by: a SHA-256 of its token; `null` for anything that is not one. */
export function hashLoginChallengeToken(token: string): string | null {
  if (!/^jgm1_[A-Za-z0-9_-]{43}$/.test(token)) return null;
  return createHash('sha256').update(token).digest('base64url');
}

/** Compares two values of the same kind (hashes, networks) in constant time. */
export function sameValue(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
