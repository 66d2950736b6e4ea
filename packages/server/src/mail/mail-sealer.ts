import { createJsonSealer } from '../keys/json-sealer.js';

/** A rendered mail: what the outbox keeps sealed until it is sent. */
export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Seals mails for the outbox and opens them for the sender. */
export interface MailSealer {
  seal(mail: RenderedMail): string;
  /** Throws for a payload this key did not seal (another secret, or tampered with). */
  open(payload: string): RenderedMail;
}

const VERSION = 'm1';

/**
 * AES-256-GCM with a key derived from `secret`. A queued mail carries a live
 * link or code until it is sent: sealed, a copy of the database (a backup, a
 * replica) does not hold usable secrets, and the sender drops the payload
 * once the mail is sent or has failed.
 *
 * @example
 * const sealer = createMailSealer(config.auth.refreshSecret);
 * const payload = sealer.seal({ subject, text, html });
 */
export function createMailSealer(secret: string | Uint8Array): MailSealer {
  const sealer = createJsonSealer<RenderedMail>(secret, { purpose: 'jwtgate mail outbox v1', version: VERSION });
  return { seal: (mail) => sealer.seal(mail), open: (payload) => sealer.open(payload) };
}
