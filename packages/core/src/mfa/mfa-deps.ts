import type { Clock } from '../clock.js';
import type { MfaStore } from './mfa-store.js';
import type { MfaThrottle } from './mfa-throttle.js';
import type { SecretCipher } from './secret-cipher.js';

/** What the second-factor operations need. */
export interface MfaDeps {
  readonly factors: MfaStore;
  readonly cipher: SecretCipher;
  readonly clock: Clock;
  readonly throttle: MfaThrottle;
}

/** The second-factor methods a login can finish with. */
export type SecondFactorMethod = 'totp' | 'recovery';
