import nodemailer from 'nodemailer';
import type { RenderedMail } from './mail-sealer.js';

/** One outgoing mail. */
export interface OutgoingMail extends RenderedMail {
  readonly to: string;
}

/** Where mails go: an SMTP server, or in development the log. */
export interface MailTransport {
  /** Resolves once the mail was accepted; throws an error whose message carries no credentials. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** Why an SMTP attempt failed, without anything from the URL (it carries the password). */
export function describeSmtpFailure(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'unknown error';
  const { code, responseCode, command } = error as { code?: unknown; responseCode?: unknown; command?: unknown };
  const parts = [
    typeof code === 'string' ? code : undefined,
    typeof responseCode === 'number' ? `SMTP ${responseCode}` : undefined,
    typeof command === 'string' ? `after ${command.split(' ')[0]}` : undefined,
  ].filter((part) => part !== undefined);
  return parts.length > 0 ? parts.join(' ') : 'SMTP delivery failed';
}

/**
 * Mail through an SMTP server with nodemailer: `smtps://` speaks TLS from the
 * start, `smtp://` upgrades with STARTTLS whenever the server offers it (and
 * must, with `?requireTLS=true`). Failures are reported by code only.
 *
 * @example
 * const transport = createSmtpTransport({ url: config.mail.smtpUrl, from: config.mail.from });
 */
export function createSmtpTransport(options: {
  readonly url: string;
  readonly from: string;
  /** Bound on connecting and on each SMTP exchange. */
  readonly timeoutMs?: number;
}): MailTransport {
  const timeout = options.timeoutMs ?? 15_000;
  const transporter = nodemailer.createTransport(
    { url: options.url, connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout },
    { from: options.from },
  );
  return {
    async send(mail) {
      try {
        await transporter.sendMail({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
      } catch (error) {
        throw new Error(describeSmtpFailure(error));
      }
    },
    close: () => transporter.close(),
  };
}

/** A mail delivered to the development log. */
export interface LoggedMail extends OutgoingMail {
  readonly kind: string;
  readonly at: number;
}

/**
 * Development without SMTP: each mail goes to the log, link included, and
 * the latest ones are kept for the `/dev/mail` page, so every flow can be
 * clicked through on a bare machine. Never used in production.
 *
 * @example
 * const transport = createLogTransport({ log: (fields, text) => app.log.info(fields, text), keep: 50 });
 */
export function createLogTransport(options: {
  readonly log: (fields: Record<string, unknown>, message: string) => void;
  readonly keep?: number;
  readonly now: () => number;
}): MailTransport & { readonly recent: () => readonly LoggedMail[]; readonly record: (kind: string) => void } {
  const keep = options.keep ?? 50;
  const recent: LoggedMail[] = [];
  let nextKind = 'mail';
  return {
    async send(mail) {
      recent.unshift({ ...mail, kind: nextKind, at: options.now() });
      recent.length = Math.min(recent.length, keep);
      options.log({ devMail: { to: mail.to, subject: mail.subject, text: mail.text } }, 'development mail (not sent)');
    },
    record: (kind) => {
      nextKind = kind;
    },
    recent: () => recent,
    close: () => {},
  };
}
