import { randomBytes } from 'node:crypto';
import { AuthError } from '../errors/auth-error.js';
import { encodeBase32 } from './base32.js';
import type { MfaDeps } from './mfa-deps.js';
import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes.js';
import { matchTotp, totpUri } from './totp.js';

/** A secret to show once, for the user's authenticator app. */
export interface TotpEnrolment {
  /** Base32, for typing into an app by hand. */
  readonly secret: string;
  readonly otpauthUri: string;
}

/**
 * Starts setting up an authenticator app: 160 random bits (RFC 4226's
 * recommended length), sealed and saved unconfirmed. Starting again
 * replaces an unconfirmed secret; a confirmed one must be removed first
 * (`ERR_MFA_ALREADY_ENABLED`), so nobody holding a session swaps the factor
 * out from under its owner.
 *
 * @example
 * const { secret, otpauthUri } = await startTotpEnrolment(deps, { userId, account: 'alice', issuer: 'jwtgate' });
 */
export async function startTotpEnrolment(
  deps: MfaDeps,
  input: { readonly userId: string; readonly account: string; readonly issuer: string },
): Promise<TotpEnrolment> {
  const raw = randomBytes(20);
  const started = await deps.factors.startTotp({
    userId: input.userId,
    secret: deps.cipher.encrypt(raw, input.userId),
    createdAt: deps.clock.now(),
  });
  if (!started) throw new AuthError('ERR_MFA_ALREADY_ENABLED');
  const secret = encodeBase32(raw);
  return { secret, otpauthUri: totpUri({ issuer: input.issuer, account: input.account, secretBase32: secret }) };
}

/**
 * Turns the app on once it shows a right code, and returns fresh recovery
 * codes, the only time they are ever readable. The code is throttled like
 * any second-factor code, and its time step is spent by the confirmation.
 *
 * @example
 * const { recoveryCodes } = await confirmTotpEnrolment(deps, { userId, code: '287082' });
 */
export async function confirmTotpEnrolment(
  deps: MfaDeps,
  input: { readonly userId: string; readonly code: string },
): Promise<{ readonly recoveryCodes: readonly string[] }> {
  const { totp } = await deps.factors.get(input.userId);
  if (totp === null || totp.confirmedAt !== null) {
    throw new AuthError(totp === null ? 'ERR_MFA_NOT_ENROLLING' : 'ERR_MFA_ALREADY_ENABLED');
  }
  const reservation = await deps.throttle.reserve(input.userId);
  let step: number | null;
  try {
    step = matchTotp(deps.cipher.decrypt(totp.secret, input.userId), input.code, deps.clock.now());
  } catch (error) {
    await reservation.cancel().catch(() => {});
    throw error;
  }
  if (step === null) throw new AuthError('ERR_MFA_CODE_INVALID', { reason: 'wrong-code', userId: input.userId });
  const recoveryCodes = newRecoveryCodes();
  let confirmed: boolean;
  try {
    confirmed = await deps.factors.confirmTotp(input.userId, {
      secret: totp.secret,
      step,
      recoveryCodeHashes: recoveryCodes.map((code) => hashRecoveryCode(input.userId, code.replaceAll('-', ''))),
      now: deps.clock.now(),
    });
  } catch (error) {
    await reservation.cancel().catch(() => {});
    throw error;
  }
  // Another request confirmed it, or started over, meanwhile: this code turned nothing on.
  if (!confirmed) throw new AuthError('ERR_MFA_NOT_ENROLLING', { reason: 'raced' });
  await reservation.succeed().catch(() => {});
  return { recoveryCodes };
}
