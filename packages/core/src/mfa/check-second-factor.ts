import { AuthError } from '../errors/auth-error.js';
import type { MfaDeps, SecondFactorMethod } from './mfa-deps.js';
import { hashRecoveryCode, normaliseRecoveryCode } from './recovery-codes.js';
import { matchTotp } from './totp.js';

/** What a passed second factor adds to a session's `amr` (RFC 8176). */
export interface SecondFactorResult {
  readonly method: SecondFactorMethod;
  /** `otp` for an app code; a recovery code is a one-time password too. */
  readonly amr: readonly string[];
  /** After a recovery code: how many are left (the user should make new ones when few are). */
  readonly recoveryCodesLeft?: number;
}

/**
 * Checks a second factor of a user: a code of their confirmed authenticator
 * app, spent at once so it never works twice (on any instance), or one of
 * their recovery codes, spent likewise. Every check counts against the
 * user's second-factor limits first. A user without the factor, a wrong
 * code and a spent code all throw `ERR_MFA_CODE_INVALID`.
 *
 * @example
 * const { amr } = await checkSecondFactor(deps, { userId, method: 'totp', code: '287082' });
 */
export async function checkSecondFactor(
  deps: MfaDeps,
  input: { readonly userId: string; readonly method: SecondFactorMethod; readonly code: string },
): Promise<SecondFactorResult> {
  const { userId } = input;
  const reservation = await deps.throttle.reserve(userId);
  let result: SecondFactorResult | null;
  try {
    result =
      input.method === 'totp'
        ? await checkTotp(deps, userId, input.code)
        : await checkRecovery(deps, userId, input.code);
  } catch (error) {
    await reservation.cancel().catch(() => {});
    throw error;
  }
  if (result === null) throw new AuthError('ERR_MFA_CODE_INVALID', { reason: `wrong-${input.method}`, userId });
  await reservation.succeed().catch(() => {});
  return result;
}

async function checkTotp(deps: MfaDeps, userId: string, code: string): Promise<SecondFactorResult | null> {
  const { totp } = await deps.factors.get(userId);
  if (totp === null || totp.confirmedAt === null) return null;
  const step = matchTotp(deps.cipher.decrypt(totp.secret, userId), code, deps.clock.now());
  if (step === null) return null;
  // The store decides: a step at or before the last one spent is a replay.
  if (!(await deps.factors.useTotpStep(userId, step))) return null;
  return { method: 'totp', amr: ['otp'] };
}

async function checkRecovery(deps: MfaDeps, userId: string, code: string): Promise<SecondFactorResult | null> {
  const normalised = normaliseRecoveryCode(code);
  if (normalised === null) return null;
  if (!(await deps.factors.useRecoveryCode(userId, hashRecoveryCode(userId, normalised), deps.clock.now())))
    return null;
  const { recoveryCodesLeft } = await deps.factors.get(userId);
  return { method: 'recovery', amr: ['otp'], recoveryCodesLeft };
}
