import {
  type AuditStore,
  type Clock,
  createEmailSecrets,
  createSessionManager,
  type PasswordHasher,
  type PasswordScreen,
  type SessionManager,
  type SessionStore,
  systemClock,
  type UserStore,
} from '@jwtgate/core';
import type { CreateInvitationDeps } from '../accounts/create-invitation.js';
import type { AdminActor } from '../audit/admin-actor.js';
import type { AuditClient } from '../audit/audit-record.js';
import type { SecurityEvents } from '../audit/security-events.js';
import type { JwtgateConfig } from '../config/config.js';
import type { SecondFactorSources } from '../http/mfa-login.js';
import type { AccountPolicy } from '../http/route-deps.js';
import { loadKeyRing } from '../keys/load-key-ring.js';
import { createArgon2Hasher } from '../passwords/argon2-hasher.js';
import { createPasswordScreen } from '../passwords/password-screen.js';
import { accountPolicyOf, sessionPolicyOf } from '../runtime/create-server.js';
import { createMailComposer, mailDeliverable } from '../runtime/mail-composer.js';
import { linkTo } from '../runtime/mail-link.js';
import { openStores } from '../runtime/open-stores.js';
import { createSecurityNotices, type SecurityNotices } from '../runtime/security-notices.js';
import { createSqlEmailStore } from '../stores/sql/sql-email-store.js';
import { createSqlInvitationStore } from '../stores/sql/sql-invitation-store.js';
import { openCommandAudit } from './command-audit.js';

/**
 * The configured stores and the server's own domain objects, assembled for
 * one administrative command: the same session manager (so a revocation is
 * announced to the running instances as the server's are: the Redis feed, or
 * the database the instances poll), the same security events and audit
 * sinks, the same password rules.
 */
export interface AdminRuntime {
  readonly config: JwtgateConfig;
  readonly clock: Clock;
  readonly users: UserStore;
  readonly sessions: SessionManager;
  /** The session store itself, to look one session up by id. */
  readonly sessionStore: Pick<SessionStore, 'get'>;
  readonly events: SecurityEvents;
  readonly accounts: AccountPolicy;
  /**
   * Invitations as the admin API makes them: mailed through the outbox when
   * the configuration can deliver mail (a running server sends it), else the
   * link is answered.
   */
  readonly invitations: CreateInvitationDeps['invitations'];
  /**
   * Where users' second factors are read, as the admin API reads them:
   * `undefined` when second factors are off (`Mfa.EncryptionKey`), and
   * passkeys only while a relying party is configured.
   */
  readonly secondFactors: SecondFactorSources | undefined;
  /** The audit trail in the database, when `Audit.Database` is on. */
  readonly auditStore: AuditStore | undefined;
  /** Writes the audit records queued for the database now. */
  readonly auditTrail: { flush(): Promise<void> } | undefined;
  /** The password rules and hasher, made on first use: the common-password list takes a while to load. */
  passwords(): { passwordScreen: PasswordScreen | undefined; hasher: Promise<PasswordHasher> };
  /** Whom the command's actions are recorded as. */
  readonly actor: AdminActor;
  /** Where the action came from: no network address, and the command line as the user agent. */
  readonly client: AuditClient;
  /** Waits for the audit records to be written, then closes the stores. */
  close(): Promise<void>;
}

/**
 * Opens the stores of `config` (running migrations, as `jwtgate start`
 * does) and the audit trail's sinks for an administrative command
 * ({@link openCommandAudit}).
 *
 * @example
 * const runtime = await openAdminRuntime(config);
 * try { await signUserOut(runtime, userId, runtime.actor, runtime.client); } finally { await runtime.close(); }
 */
export async function openAdminRuntime(config: JwtgateConfig, clock: Clock = systemClock): Promise<AdminRuntime> {
  // The session manager wants the keys; a bad key file stops here, before anything is opened.
  const keyRing = loadKeyRing(config, clock.now());
  const audit = openCommandAudit(config, clock);
  let stores: Awaited<ReturnType<typeof openStores>>;
  try {
    stores = await openStores(config, () => undefined);
  } catch (error) {
    await audit.close();
    throw error;
  }
  const auditStore = audit.useDatabase(stores.database);
  const events = audit.events;
  const compose = config.mail.enabled && mailDeliverable(config) ? createMailComposer(config, clock) : undefined;
  const warn = (message: string) => process.stderr.write(`warning: ${message}\n`);
  // Queued in the outbox the servers share: their senders deliver it (they look every 2 s).
  const notices: SecurityNotices | undefined =
    compose === undefined || !config.mail.securityNotices
      ? undefined
      : createSecurityNotices({
          users: stores.users,
          store: createSqlEmailStore(stores.database.db, { timeoutMs: stores.database.timeoutMs }),
          compose,
          clock,
          queued: () => {},
          failed: (kind, error) => events.mailDelivered('failed', { kind, attempts: 0, error }),
          log: (fields, message) => warn(`${message} (${String(fields.err)})`),
        });
  if (notices !== undefined) audit.useNotices(notices);
  const sessions = createSessionManager({
    sessions: stores.sessions,
    users: stores.users,
    signingKey: keyRing.signingKey,
    verificationKeys: keyRing.verificationKeys,
    refreshSecret: config.auth.refreshSecret,
    policy: sessionPolicyOf(config),
    clock,
    onEvent: events.session,
  });
  let passwords: ReturnType<AdminRuntime['passwords']> | undefined;
  return {
    config,
    clock,
    users: stores.users,
    sessions,
    sessionStore: stores.sessions,
    events,
    accounts: accountPolicyOf(config),
    invitations: {
      store: createSqlInvitationStore(stores.database.db, { timeoutMs: stores.database.timeoutMs }),
      secrets: createEmailSecrets(config.auth.refreshSecret),
      link: (secret) => linkTo(config.mail.publicUrl, 'invitation', secret),
      compose,
    },
    secondFactors:
      config.mfa.encryptionKey === undefined
        ? undefined
        : {
            factors: stores.factors,
            passkeys: config.mfa.passkeys === undefined ? undefined : { passkeys: stores.passkeys },
          },
    auditStore,
    auditTrail: auditStore === undefined ? undefined : { flush: () => audit.flush() },
    passwords() {
      passwords ??= {
        passwordScreen: createPasswordScreen(config.passwords, {
          breachCheckUnavailable: (why) =>
            process.stderr.write(`warning: the Pwned Passwords range API gives no usable answer (${why})\n`),
        }),
        hasher: createArgon2Hasher(),
      };
      return passwords;
    },
    actor: audit.actor,
    client: audit.client,
    async close() {
      try {
        // The notices of the command's changes reach the outbox before the database closes.
        await notices?.settled();
        await audit.close();
      } finally {
        await stores.close();
      }
    },
  };
}
