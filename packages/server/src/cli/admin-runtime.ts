import { userInfo } from 'node:os';
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
import { openAuditFile } from '../audit/audit-file.js';
import { type AuditLogger, createAuditLog } from '../audit/audit-log.js';
import type { AuditClient } from '../audit/audit-record.js';
import { type AuditWriter, createAuditWriter } from '../audit/audit-writer.js';
import { createSecurityEvents, type SecurityEvents } from '../audit/security-events.js';
import { toStoredAuditRecord } from '../audit/stored-audit-record.js';
import { createUsernameDigest } from '../audit/username-digest.js';
import type { JwtgateConfig } from '../config/config.js';
import type { AccountPolicy } from '../http/route-deps.js';
import { loadKeyRing } from '../keys/load-key-ring.js';
import { createArgon2Hasher } from '../passwords/argon2-hasher.js';
import { createPasswordScreen } from '../passwords/password-screen.js';
import { accountPolicyOf, createWebhook, sessionPolicyOf } from '../runtime/create-server.js';
import { createMailComposer, mailDeliverable } from '../runtime/mail-composer.js';
import { linkTo } from '../runtime/mail-link.js';
import { openStores } from '../runtime/open-stores.js';
import { createSqlAuditStore } from '../stores/sql/sql-audit-store.js';
import { createSqlInvitationStore } from '../stores/sql/sql-invitation-store.js';

/** How long closing waits for the command's audit records to reach the database. */
const AUDIT_FLUSH_ON_CLOSE_MS = 5_000;

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

/** The operating-system account running the command, which the audit trail names as the operator. */
function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? 'unknown';
  }
}

/** Audit records as JSON lines on standard error, where the command has no structured log of its own. */
const stderrAuditLog: AuditLogger = {
  info: (fields, message) => process.stderr.write(`${JSON.stringify({ ...fields, msg: message })}\n`),
  warn: (fields, message) => process.stderr.write(`${JSON.stringify({ ...fields, msg: message })}\n`),
};

/**
 * Opens the stores of `config` (running migrations, as `jwtgate start`
 * does) and the audit trail's sinks for an administrative command. The
 * command's records go to the database (`Audit.Database`), the audit file
 * (`Audit.File`) and the alert webhook as the server's do; to standard
 * error only when `Audit.Log` is the trail's one destination, since the
 * command has no log that anything collects.
 *
 * @example
 * const runtime = await openAdminRuntime(config);
 * try { await signUserOut(runtime, userId, runtime.actor, runtime.client); } finally { await runtime.close(); }
 */
export async function openAdminRuntime(config: JwtgateConfig, clock: Clock = systemClock): Promise<AdminRuntime> {
  // The session manager wants the keys; a bad key file stops here, before anything is opened.
  const keyRing = loadKeyRing(config, clock.now());
  const auditFile = config.audit.file === undefined ? undefined : openAuditFile(config.audit.file);
  const webhook = createWebhook(config, clock, undefined, () => undefined);
  const logOnly = config.audit.log && !config.audit.database && auditFile === undefined;
  let writer: AuditWriter | undefined;
  const audit = createAuditLog({
    clock,
    log: () => (logOnly ? stderrAuditLog : undefined),
    ...(auditFile === undefined ? {} : { file: auditFile }),
    onFileError: (error) => process.stderr.write(`warning: the audit file could not be written (${String(error)})\n`),
    sinks: [(record) => writer?.write(toStoredAuditRecord(record)), ...(webhook === undefined ? [] : [webhook.notify])],
  });
  const events = createSecurityEvents({ audit, usernameDigest: createUsernameDigest(config.auth.refreshSecret) });
  let stores: Awaited<ReturnType<typeof openStores>>;
  try {
    stores = await openStores(config, () => undefined);
  } catch (error) {
    audit.close();
    throw error;
  }
  const auditStore = config.audit.database
    ? createSqlAuditStore(stores.database.db, { timeoutMs: stores.database.timeoutMs })
    : undefined;
  if (auditStore !== undefined) {
    writer = createAuditWriter({
      store: auditStore,
      onWriteFailed: (error, firstOfOutage) => {
        if (firstOfOutage)
          process.stderr.write(`warning: audit records cannot be written to the database (${error})\n`);
      },
      onDropped: () => {},
      onRecovered: () => {},
    });
  }
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
  const auditWriter = writer;
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
      compose: config.mail.enabled && mailDeliverable(config) ? createMailComposer(config, clock) : undefined,
    },
    auditStore,
    auditTrail: auditWriter === undefined ? undefined : { flush: () => auditWriter.flush() },
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
    actor: { kind: 'cli', operator: operatorName() },
    client: { ip: null, userAgent: 'jwtgate-cli' },
    async close() {
      try {
        const lost = (await auditWriter?.close(AUDIT_FLUSH_ON_CLOSE_MS)) ?? 0;
        if (lost > 0) process.stderr.write(`warning: ${lost} audit records were not written to the database\n`);
        await webhook?.close();
        audit.close();
      } finally {
        await stores.close();
      }
    },
  };
}
