import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

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
  const key = Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), 'jwtgate mail outbox v1', 32));
  return {
    seal(mail) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(mail), 'utf8'), cipher.final()]);
      return [
        VERSION,
        iv.toString('base64url'),
        body.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
      ].join('.');
    },
    open(payload) {
      const [version, iv, body, tag] = payload.split('.');
      if (version !== VERSION || iv === undefined || body === undefined || tag === undefined) {
        throw new Error('not a sealed mail');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      return JSON.parse(text) as RenderedMail;
    },
  };
}
