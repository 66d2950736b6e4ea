import { randomBytes } from 'node:crypto';
import {
  AuthError,
  type Clock,
  hashPasskeyChallenge,
  PASSKEY_CHALLENGE_TTL_SEC,
  type PasskeyChallenge,
  type PasskeyChallengePurpose,
  type PasskeyChallengeStore,
  type PasskeyStore,
} from '@jwtgate/core';
import type { PasskeySettings } from '../config/config.js';

/** What the passkey ceremonies need; absent when passkeys are off. */
export interface PasskeyDeps {
  readonly passkeys: PasskeyStore;
  readonly challenges: PasskeyChallengeStore;
  readonly relyingParty: PasskeySettings;
  readonly clock: Clock;
}

/**
 * A fresh challenge (32 random bytes, what the authenticator signs), saved by
 * its hash for one ceremony of `purpose` and {@link PASSKEY_CHALLENGE_TTL_SEC}.
 *
 * @example
 * const challenge = await issueChallenge(deps, { purpose: 'sign-in', userId: null, loginChallengeId: null });
 */
export async function issueChallenge(
  deps: PasskeyDeps,
  input: Pick<PasskeyChallenge, 'purpose' | 'userId' | 'loginChallengeId'>,
): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = randomBytes(32);
  await deps.challenges.create({
    ...input,
    id: hashPasskeyChallenge(bytes.toString('base64url')) as string,
    expiresAt: deps.clock.now() + PASSKEY_CHALLENGE_TTL_SEC * 1000,
  });
  return new Uint8Array(bytes);
}

/** The challenge an authenticator's answer signed, as its `clientDataJSON` says; `null` when unreadable. */
function challengeOf(clientDataJSON: unknown): string | null {
  if (typeof clientDataJSON !== 'string') return null;
  try {
    const clientData = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof clientData.challenge === 'string' ? clientData.challenge : null;
  } catch {
    return null;
  }
}

/**
 * Spends the challenge an answer signed, whatever comes of the answer, and
 * returns it: a challenge answers one ceremony once. Unknown, spent,
 * expired, or handed out for another ceremony, user or login: throws
 * `ERR_PASSKEY_INVALID` (`reason: 'challenge'`).
 *
 * @example
 * const { challenge } = await takeChallenge(deps, response.response.clientDataJSON, { purpose: 'register', userId });
 */
export async function takeChallenge(
  deps: PasskeyDeps,
  clientDataJSON: unknown,
  expected: {
    readonly purpose: PasskeyChallengePurpose;
    readonly userId?: string;
    /** The paused login it must belong to; `null`: it must belong to none. */
    readonly loginChallengeId?: string | null;
  },
): Promise<{ readonly challenge: string; readonly record: PasskeyChallenge }> {
  const challenge = challengeOf(clientDataJSON);
  const id = challenge === null ? null : hashPasskeyChallenge(challenge);
  const record = id === null ? null : await deps.challenges.take(id, deps.clock.now());
  if (
    challenge === null ||
    record === null ||
    record.purpose !== expected.purpose ||
    (expected.userId !== undefined && record.userId !== expected.userId) ||
    (expected.loginChallengeId !== undefined && record.loginChallengeId !== expected.loginChallengeId)
  ) {
    throw new AuthError('ERR_PASSKEY_INVALID', {
      reason: 'challenge',
      ...(expected.userId === undefined ? {} : { userId: expected.userId }),
    });
  }
  return { challenge, record };
}
