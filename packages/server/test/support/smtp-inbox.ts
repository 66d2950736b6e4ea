import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message the inbox received, parsed. */
export interface ReceivedMail {
  readonly to: string;
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Whether the session was encrypted (SMTPS or after STARTTLS). */
  readonly secure: boolean;
  /** The user the client authenticated as, if any. */
  readonly user: string | undefined;
}

/** A real SMTP server in the test process, keeping every message it accepts. */
export interface SmtpInbox {
  readonly port: number;
  /** `smtp://user:pass@127.0.0.1:<port>` plus `query`. */
  url(query?: string): string;
  readonly received: readonly ReceivedMail[];
  /** Resolves with the first message matching, waiting up to `timeoutMs`. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Refuses mail to these addresses at `RCPT TO` with `550` (a mailbox the server will not take). */
  readonly refused: Set<string>;
  /** Stops accepting connections (the server is down) until `start()`. */
  stop(): Promise<void>;
  /** Listens again, on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The secret of a link in a received mail: `#<purpose>=<secret>`. */
export function linkSecret(mail: ReceivedMail, purpose: string): string {
  const match = new RegExp(`#${purpose}=(jge1_[A-Za-z0-9_-]+)`).exec(mail.text);
  if (match === null) throw new Error(`no ${purpose} link in: ${mail.text}`);
  return match[1] as string;
}

/** The whole link of `purpose` in a received mail, as a person would open it. */
export function mailedLink(mail: ReceivedMail, purpose: string): string {
  const match = new RegExp(`(https?://\\S+/#${purpose}=jge1_[A-Za-z0-9_-]+)`).exec(mail.text);
  if (match === null) throw new Error(`no ${purpose} link in: ${mail.text}`);
  return match[1] as string;
}

/** The 6-digit code in a received mail. */
export function mailedCode(mail: ReceivedMail): string {
  const match = /code: (\d{6})/.exec(mail.text);
  if (match === null) throw new Error(`no code in: ${mail.text}`);
  return match[1] as string;
}

/**
 * Starts an SMTP server on a free loopback port. With `starttls`, it offers
 * STARTTLS with smtp-server's own self-signed certificate; otherwise it
 * hides it. It accepts any user and password and records which was used.
 */
export async function startSmtpInbox(options: { readonly starttls?: boolean } = {}): Promise<SmtpInbox> {
  const received: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const refused = new Set<string>();
  const make = () =>
    new SMTPServer({
      authOptional: true,
      hideSTARTTLS: options.starttls !== true,
      logger: false,
      onAuth(auth, _session, callback) {
        callback(null, { user: auth.username });
      },
      onRcptTo(address, _session, callback) {
        if (!refused.has(address.address)) return callback();
        callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      },
      onData(stream, session, callback) {
        simpleParser(stream).then(
          (parsed) => {
            const to = Array.isArray(parsed.to) ? parsed.to.map((a) => a.text).join(', ') : (parsed.to?.text ?? '');
            received.push({
              to,
              from: parsed.from?.text ?? '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              secure: session.secure,
              user: typeof session.user === 'string' ? session.user : undefined,
            });
            for (const wake of waiters) wake();
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
  let server = make();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  let running = true;
  const inbox: SmtpInbox = {
    port,
    url: (query = '') => `smtp://mailer:secret-smtp-password@127.0.0.1:${port}${query}`,
    received,
    refused,
    waitFor(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(match);
          if (found === undefined) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching mail within ${timeoutMs} ms (received ${received.length})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (!running) return;
      running = false;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async start() {
      if (running) return;
      server = make();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      running = true;
    },
    close: () => inbox.stop(),
  };
  return inbox;
}
