import { createHash } from 'node:crypto';

/** The ceremony a WebAuthn challenge was handed out for. */
export type PasskeyChallengePurpose = 'register' | 'sign-in' | 'second-factor';

/**
 * A WebAuthn challenge waiting for the authenticator's answer. Only a hash
 * of the challenge is kept: the challenge is what the answer signs, and its
 * hash is how the answer finds this record again.
 */
export interface PasskeyChallenge {
  /** {@link hashPasskeyChallenge} of the challenge. */
  readonly id: string;
  readonly purpose: PasskeyChallengePurpose;
  /** The user it was made for: `null` for a passwordless sign-in, where nobody is known yet. */
  readonly userId: string | null;
  /** For a second factor: the id of the paused login (`LoginChallenge.id`) it belongs to. */
  readonly loginChallengeId: string | null;
  readonly expiresAt: number;
}

/**
 * Where WebAuthn challenges wait. Each method is one atomic operation;
 * backend failures surface as `AuthError('ERR_STORE_UNAVAILABLE')`. Every
 * implementation runs `runPasskeyChallengeStoreSuite`.
 */
export interface PasskeyChallengeStore {
  create(challenge: PasskeyChallenge): Promise<void>;
  /**
   * Deletes and returns the challenge with this id if it has not expired at
   * `now`; else `null`. Of concurrent callers exactly one gets it: a
   * challenge answers one ceremony, whether the answer is good or not.
   */
  take(id: string, now: number): Promise<PasskeyChallenge | null>;
  /** Deletes challenges that expired before `before`; returns how many (0 where they expire by themselves). */
  deleteExpired(before: number): Promise<number>;
}

/** How long an authenticator's answer may take: 5 minutes, the longest WebAuthn suggests for a ceremony. */
export const PASSKEY_CHALLENGE_TTL_SEC = 300;

/**
 * What the store keys a challenge by: a SHA-256 of the base64url challenge;
 * `null` for anything that cannot be one of ours (32 random bytes).
 *
 * @example
 * const id = hashPasskeyChallenge(clientData.challenge);
 */
export function hashPasskeyChallenge(challenge: string): string | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return null;
  return createHash('sha256').update(challenge).digest('base64url');
}
