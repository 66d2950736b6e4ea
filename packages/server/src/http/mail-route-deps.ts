import type { EmailFlows, MailThrottle, UserRecord } from '@jwtgate/core';

/** What the routes that send mail or take emailed secrets need; assembled by the runtime. */
export interface MailRouteDeps {
  readonly flows: EmailFlows;
  readonly throttle: MailThrottle;
  /** Whether mail can be sent (SMTP, or the development log); else the sending routes answer 503. */
  readonly available: boolean;
  /** `Auth.EmailSignIn`. */
  readonly signIn: boolean;
  /** A request queued mail: the sender looks now rather than at its next round. */
  readonly queued: (kind: string) => void;
  /**
   * A user registered: with an address and mail available, the verification
   * is queued before the answer. Never throws: the account exists either way.
   */
  readonly registered: (user: UserRecord) => Promise<void>;
  /**
   * Someone registered with a taken address (`Register.ConcealTakenEmail`):
   * its holder's `already-registered` notice is queued before the answer.
   * Never throws, like {@link MailRouteDeps.registered}: both answers must match.
   */
  readonly registrationAttempted: (email: string) => Promise<void>;
}
