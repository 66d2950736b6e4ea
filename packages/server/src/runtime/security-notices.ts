import { randomUUID } from 'node:crypto';
import { type Clock, type EmailStore, isAuthError, type MailContent, type UserStore } from '@jwtgate/core';
import type { AccountChangeReport } from '../audit/security-events.js';
import type { MailComposer } from './mail-composer.js';

/** Mails a notice of each change to how an account signs in; see {@link createSecurityNotices}. */
export interface SecurityNotices {
  /** Queues the notice of a change already made; never throws, never waits. */
  notify(report: AccountChangeReport): void;
  /** Resolves once every notice asked for so far was queued or given up on (tests, shutdown). */
  settled(): Promise<void>;
}

const KIND = 'security-notice';

/**
 * Security notices (OWASP ASVS 5.0 6.3.7): after a change to how an account
 * signs in, a mail to the account's address, only when it is verified (an
 * unproven address may be a squatter's, who would learn of the owner's every
 * change). The change is made before it is reported here, so the notice is
 * queued after it, through the outbox like every mail: a notice that cannot
 * be queued (the database down) is logged, without the address, and counted
 * as failed, and the change stands. One report, one mail.
 *
 * @example
 * const notices = createSecurityNotices({ users, store, compose, clock, queued, failed, log });
 * notices.notify({ userId, change: 'passkey-added', client: { ip, userAgent } });
 */
export function createSecurityNotices(deps: {
  readonly users: Pick<UserStore, 'findById'>;
  readonly store: Pick<EmailStore, 'issue'>;
  readonly compose: MailComposer;
  readonly clock: Clock;
  /** A notice was queued: counted, and the sender woken. */
  readonly queued: (kind: string) => void;
  /** A notice could not be queued; `error` is a code, never the address. */
  readonly failed: (kind: string, error: string) => void;
  readonly log: (fields: Record<string, unknown>, message: string) => void;
}): SecurityNotices {
  const pending = new Set<Promise<void>>();

  async function queue(report: AccountChangeReport): Promise<void> {
    const user = await deps.users.findById(report.userId);
    if (user === null || user.email == null || user.emailVerifiedAt == null) return;
    const change: MailContent['change'] = {
      kind: report.change,
      ...(report.provider === undefined ? {} : { provider: report.provider }),
      at: deps.clock.now(),
      ip: report.client.ip,
      userAgent: report.client.userAgent,
    };
    const { recipient, payload } = deps.compose({ kind: KIND, to: user.email, change });
    await deps.store.issue(null, [
      { id: randomUUID(), userId: user.id, kind: KIND, recipient, payload, createdAt: deps.clock.now() },
    ]);
    deps.queued(KIND);
  }

  return {
    notify(report) {
      const done = queue(report).catch((error: unknown) => {
        const code = isAuthError(error) ? error.code : 'ERR_INTERNAL';
        deps.failed(KIND, code);
        deps.log({ kind: KIND, userId: report.userId, change: report.change, err: code }, 'security notice not queued');
      });
      pending.add(done);
      void done.finally(() => pending.delete(done));
    },
    async settled() {
      await Promise.all([...pending]);
    },
  };
}
