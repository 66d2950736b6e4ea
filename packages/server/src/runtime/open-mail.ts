import { randomInt } from 'node:crypto';
import {
  type AttemptStore,
  type Clock,
  createEmailFlows,
  createEmailSecrets,
  createMailThrottle,
  type EmailFlowDeps,
  type EmailStore,
  type LoginThrottle,
  type MailContent,
  type PasswordHasher,
  type PasswordScreen,
  type SessionManager,
  type UserStore,
} from '@jwtgate/core';
import type { FastifyBaseLogger } from 'fastify';
import { currentAuditContext } from '../audit/audit-context.js';
import type { SecurityEvents } from '../audit/security-events.js';
import type { JwtgateConfig } from '../config/config.js';
import type { MailRouteDeps } from '../http/mail-route-deps.js';
import type { DevMail } from '../http/routes/dev-mail.js';
import { createMailSealer } from '../mail/mail-sealer.js';
import { type MailSender, startMailSender } from '../mail/mail-sender.js';
import { createLogTransport, createSmtpTransport, type MailTransport } from '../mail/mail-transport.js';
import { createMailComposer } from './mail-composer.js';
import { createSecurityNotices, type SecurityNotices } from './security-notices.js';

/** Mail, assembled: the routes' part, the outbox store, and the sender once started. */
export interface OpenMail {
  readonly routes: MailRouteDeps;
  readonly store: EmailStore;
  /** Renders and seals a mail for the outbox; `undefined` when no mail can be sent (no transport). */
  readonly compose: ((content: MailContent) => { readonly recipient: string; readonly payload: string }) | undefined;
  /** Security notices; `undefined` when no mail can be sent or `Mail.SecurityNotices` is off. */
  readonly notices: SecurityNotices | undefined;
  /** The development transport's mails, for `/dev/mail`; `undefined` unless mails go to the log. */
  readonly devMail: (() => readonly DevMail[]) | undefined;
  /** Starts delivering the outbox (after the app's log exists). */
  start(): MailSender;
}

/** The sender looks for a request's mail between one and two of these later. */
const WAKE_DELAY_MS = 100;

/**
 * Mail for a server: the flows and their throttle, the templates (read now,
 * so a bad `Mail.TemplateDir` stops the start), the sealer, and the
 * transport: SMTP with `Mail.SmtpUrl`, the log in development without it,
 * none in production without it (the sending routes answer 503).
 *
 * @example
 * const mail = openMail({ config, store, users, sessions, hasher, passwordScreen, clock, attempts, loginThrottle, events, log });
 */
export function openMail(options: {
  readonly config: JwtgateConfig;
  readonly store: EmailStore;
  readonly users: UserStore;
  readonly sessions: Pick<SessionManager, 'revokeAll'>;
  readonly hasher: PasswordHasher;
  readonly passwordScreen: PasswordScreen | undefined;
  readonly clock: Clock;
  readonly attempts: AttemptStore;
  readonly loginThrottle: LoginThrottle;
  readonly events: SecurityEvents;
  readonly log: () => FastifyBaseLogger | undefined;
  readonly beforeFirstProof?: EmailFlowDeps['beforeFirstProof'];
}): OpenMail {
  const { config, store, clock, events } = options;
  const mail = config.mail;
  const compose = createMailComposer(config, clock);
  const sealer = createMailSealer(config.auth.refreshSecret);
  const logTransport =
    mail.transport === 'log'
      ? createLogTransport({
          now: () => clock.now(),
          // Development only, by construction: production never has this transport.
          log: (fields, message) => options.log()?.info(fields, message),
        })
      : undefined;
  const transport: MailTransport | undefined =
    mail.transport === 'smtp' && mail.smtpUrl !== undefined
      ? createSmtpTransport({ url: mail.smtpUrl, from: mail.from })
      : logTransport;
  let sender: MailSender | undefined;
  const flows = createEmailFlows({
    users: options.users,
    store,
    sessions: options.sessions,
    hasher: options.hasher,
    passwordScreen: options.passwordScreen,
    contextWords: config.passwords.contextWords,
    clock,
    secrets: createEmailSecrets(config.auth.refreshSecret),
    ttlSec: mail.ttlSec,
    loginThrottle: options.loginThrottle,
    compose,
    ...(options.beforeFirstProof === undefined ? {} : { beforeFirstProof: options.beforeFirstProof }),
    // A step made by a request is recorded with that request's client.
    onEvent: (event) => events.emailStep(event, currentAuditContext()?.client() ?? { ip: null, userAgent: null }),
  });
  const throttle = createMailThrottle({
    store: options.attempts,
    clock,
    policy: { maxPerAddress: mail.maxPerAddress, maxPerIp: mail.maxPerIp, windowSec: mail.window },
  });
  const available = transport !== undefined;
  const queued = (kind: string) => {
    events.mailQueued(kind);
    // Not at once: sending on the heels of the request (SQLite queries run on the event loop)
    // would slow its own answer only when there was a mail to send, telling the address exists.
    setTimeout(() => sender?.wake(), WAKE_DELAY_MS + randomInt(WAKE_DELAY_MS)).unref();
  };
  const notices =
    available && mail.securityNotices
      ? createSecurityNotices({
          users: options.users,
          store,
          compose,
          clock,
          queued,
          // Counted and audited as a mail that failed for good: it will never be sent.
          failed: (kind, error) => events.mailDelivered('failed', { kind, attempts: 0, error }),
          log: (fields, message) => options.log()?.warn(fields, message),
        })
      : undefined;
  return {
    store,
    compose: available ? compose : undefined,
    notices,
    devMail: logTransport?.recent,
    routes: {
      flows,
      throttle,
      available,
      signIn: config.auth.emailSignIn,
      queued,
      async registered(user) {
        if (!available || user.email == null) return;
        try {
          if (await flows.sendVerification(user.id)) queued('verify-email');
        } catch (error) {
          // The account exists; the user can ask for the mail again (POST /auth/email/verify/send).
          options.log()?.warn({ err: error instanceof Error ? error.message : error }, 'verification mail not queued');
        }
      },
      async registrationAttempted(email) {
        if (!available) return;
        try {
          await flows.noticeRegistrationAttempt(email);
          queued('already-registered');
        } catch (error) {
          // Answered like a new account all the same: a 503 here alone would tell the address is taken.
          options
            .log()
            ?.warn({ err: error instanceof Error ? error.message : error }, 'registration notice not queued');
        }
      },
    },
    start() {
      if (transport === undefined) {
        sender = undefined;
        return { wake() {}, drain: async () => {}, close: async () => {} };
      }
      sender = startMailSender({
        store,
        sealer,
        transport,
        clock,
        maxAttempts: mail.maxAttempts,
        beforeSend: (kind) => logTransport?.record(kind),
        events: {
          sent: (kind, attempts) => events.mailDelivered('sent', { kind, attempts }),
          failed: (kind, attempts, error, final) => {
            if (final) events.mailDelivered('failed', { kind, attempts, error });
            else options.log()?.warn({ kind, attempts, error }, 'mail not sent; retrying later');
          },
          storeFailed: (error) =>
            options.log()?.warn({ err: error instanceof Error ? error.message : error }, 'mail outbox unreachable'),
        },
      });
      return sender;
    },
  };
}
