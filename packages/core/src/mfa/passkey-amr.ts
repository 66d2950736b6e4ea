import type { PasskeyDeviceType } from './passkey-store.js';

/**
 * The RFC 8176 methods of a passkey assertion: `swk` for a synced
 * (multi-device) passkey, whose key lives in software and a cloud account,
 * `hwk` for one bound to a single authenticator; `user` when the
 * authenticator verified the user (a PIN or biometric, which it does not
 * say); and `mfa` when the sign-in has two factors: after a password, or a
 * passkey that verified its user on its own (possession plus a PIN or
 * biometric: a multi-factor cryptographic authenticator, NIST SP 800-63B
 * §5.1.9).
 *
 * @example
 * passkeyAmr({ deviceType: 'multiDevice', userVerified: true }); // ['swk', 'user', 'mfa']
 */
export function passkeyAmr(input: {
  readonly deviceType: PasskeyDeviceType;
  readonly userVerified: boolean;
  /** Methods of the first factor already passed (`['pwd']`), when the passkey is the second. */
  readonly after?: readonly string[];
}): readonly string[] {
  const key = input.deviceType === 'multiDevice' ? 'swk' : 'hwk';
  const twoFactors = input.userVerified || (input.after?.length ?? 0) > 0;
  return [
    ...new Set([...(input.after ?? []), key, ...(input.userVerified ? ['user'] : []), ...(twoFactors ? ['mfa'] : [])]),
  ];
}
