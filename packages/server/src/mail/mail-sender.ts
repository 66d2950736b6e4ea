import { randomUUID } from 'node:crypto';
import type { Clock, EmailStore, MailKind } from '@jwtgate/core';
import type { MailSealer } from './mail-sealer.js';
import type { MailTransport } from './mail-transport.js';

/** What the sender reports, for metrics, the audit trail and the log. */
export interface MailSenderEvents {
  sent?(kind: MailKind, attempts: number): void;
  /** An attempt failed; `final` when no retry follows. */
  failed?(kind: MailKind, attempts: number, error: string, final: boolean): void;
  /** The store could not be reached; retried at the next round. */
  storeFailed?(error: unknown): void;
}

/** Delivers the outbox; see {@link startMailSender}. */
export interface MailSender {
  /** Look for due mails now (after a request queued one) rather than at the next round. */
  wake(): void;
  /** One round, for tests: resolves when the due mails were tried. */
  drain(): Promise<void>;
  /** Stops; an attempt under way finishes first. */
  close(): Promise<void>;
}

/** Base and cap of the wait before a retry: 5 s, doubling, at most 30 minutes. */
export const RETRY_BASE_MS = 5_000;
export const RETRY_MAX_MS = 30 * 60_000;
const BATCH = 20;

/** The wait before attempt `attempts + 1`. */
export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

/**
 * Sends the outbox off the request path. Each round claims due mails (the
 * store hands each to exactly one of many instances, for a lease longer
 * than an attempt can take), sends them one by one, and settles each: sent
 * (its contents dropped), retried after a growing wait, or after
 * `maxAttempts` failed for good. A process that dies mid-round leaves its
 * claims to expire and be taken again: a mail whose acceptance was not
 * recorded may be sent twice, never lost.
 *
 * @example
 * const sender = startMailSender({ store, sealer, transport, clock, maxAttempts: 8 });
 * sender.wake();
 */
export function startMailSender(options: {
  readonly store: EmailStore;
  readonly sealer: MailSealer;
  readonly transport: MailTransport;
  readonly clock: Clock;
  readonly maxAttempts: number;
  /** Time between rounds when nothing wakes the sender; 2 s by default. */
  readonly intervalMs?: number;
  /** How long a claim holds; longer than the transport's timeouts. 2 minutes by default. */
  readonly leaseMs?: number;
  readonly events?: MailSenderEvents;
  /** Called before each mail is handed to the transport (the log transport labels it). */
  readonly beforeSend?: (kind: MailKind) => void;
}): MailSender {
  const { store, sealer, transport, clock, events } = options;
  const claimer = `sender-${randomUUID()}`;
  const leaseMs = options.leaseMs ?? 120_000;
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;

  async function round(): Promise<void> {
    for (;;) {
      let claimed: Awaited<ReturnType<EmailStore['claimMail']>>;
      try {
        claimed = await store.claimMail({ now: clock.now(), limit: BATCH, leaseMs, claimer });
      } catch (error) {
        events?.storeFailed?.(error);
        return;
      }
      for (const mail of claimed) {
        let error: string | undefined;
        try {
          const content = sealer.open(mail.payload);
          options.beforeSend?.(mail.kind);
          await transport.send({ to: mail.recipient, ...content });
        } catch (failure) {
          error = failure instanceof Error ? failure.message : String(failure);
        }
        const now = clock.now();
        const final = error !== undefined && mail.attempts >= options.maxAttempts;
        try {
          await store.settleMail(
            mail.id,
            claimer,
            error === undefined
              ? { status: 'sent', at: now }
              : final
                ? { status: 'failed', at: now, error }
                : { status: 'pending', retryAt: now + retryDelayMs(mail.attempts), error },
          );
        } catch (settleError) {
          // The claim runs out and the mail is tried again: sent twice at worst, never lost.
          events?.storeFailed?.(settleError);
        }
        if (error === undefined) events?.sent?.(mail.kind, mail.attempts);
        else events?.failed?.(mail.kind, mail.attempts, error, final);
      }
      if (claimed.length < BATCH || closed) return;
    }
  }

  function run(): Promise<void> {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await round();
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  const timer = setInterval(() => {
    if (!closed) void run();
  }, options.intervalMs ?? 2_000);
  timer.unref();

  return {
    wake() {
      if (!closed) void run();
    },
    drain: () => run(),
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
      transport.close();
    },
  };
}
