import { userInfo } from 'node:os';
import type { AuditStore, Clock } from '@jwtgate/core';
import type { AdminActor } from '../audit/admin-actor.js';
import { openAuditFile } from '../audit/audit-file.js';
import { type AuditLogger, createAuditLog } from '../audit/audit-log.js';
import type { AuditClient } from '../audit/audit-record.js';
import { type AuditWriter, createAuditWriter } from '../audit/audit-writer.js';
import { createSecurityEvents, type SecurityEvents } from '../audit/security-events.js';
import { toStoredAuditRecord } from '../audit/stored-audit-record.js';
import { createUsernameDigest } from '../audit/username-digest.js';
import type { JwtgateConfig } from '../config/config.js';
import { createWebhook } from '../runtime/create-server.js';
import type { SecurityNotices } from '../runtime/security-notices.js';
import type { SqlDatabase } from '../stores/sql/open-database.js';
import { createSqlAuditStore } from '../stores/sql/sql-audit-store.js';

/** How long closing waits for the command's audit records to reach the database. */
const AUDIT_FLUSH_ON_CLOSE_MS = 5_000;

/**
 * The audit trail of one command: the server's security events and sinks,
 * and whom and where the command's actions are recorded as coming from.
 */
export interface CommandAudit {
  readonly events: SecurityEvents;
  /** The operating-system account running the command, as `actor: "cli"` and `operator`. */
  readonly actor: Extract<AdminActor, { readonly kind: 'cli' }>;
  /** No network address, and the command line as the user agent. */
  readonly client: AuditClient;
  /**
   * Keeps the records in `database` too, from now on, when `Audit.Database`
   * is on; answers the audit store then, else `undefined`.
   */
  useDatabase(database: SqlDatabase): AuditStore | undefined;
  /** Mails the security notices of the changes reported from now on (once the database is open). */
  useNotices(notices: SecurityNotices): void;
  /** Writes the records queued for the database now. */
  flush(): Promise<void>;
  /** Waits for the records to be written, then closes the sinks. The database is the caller's to close, after. */
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
 * Opens the audit trail's sinks for a command: its records go to the
 * database (`Audit.Database`, once {@link CommandAudit.useDatabase} names
 * it), the audit file (`Audit.File`) and the alert webhook as the server's
 * do; to standard error only when `Audit.Log` is the trail's one
 * destination, since the command has no log that anything collects.
 *
 * @example
 * const audit = openCommandAudit(config, systemClock);
 * audit.useDatabase(database);
 * try { audit.events.registered({ user, client: audit.client, by: audit.actor }); } finally { await audit.close(); }
 */
export function openCommandAudit(config: JwtgateConfig, clock: Clock): CommandAudit {
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
  let notices: SecurityNotices | undefined;
  return {
    events: createSecurityEvents({
      audit,
      usernameDigest: createUsernameDigest(config.auth.refreshSecret),
      accountChanged: (report) => notices?.notify(report),
    }),
    actor: { kind: 'cli', operator: operatorName() },
    client: { ip: null, userAgent: 'jwtgate-cli' },
    useDatabase(database) {
      if (!config.audit.database) return undefined;
      const store = createSqlAuditStore(database.db, { timeoutMs: database.timeoutMs });
      writer = createAuditWriter({
        store,
        onWriteFailed: (error, firstOfOutage) => {
          if (firstOfOutage)
            process.stderr.write(`warning: audit records cannot be written to the database (${error})\n`);
        },
        onDropped: () => {},
        onRecovered: () => {},
      });
      return store;
    },
    useNotices(given) {
      notices = given;
    },
    async flush() {
      await writer?.flush();
    },
    async close() {
      try {
        const lost = (await writer?.close(AUDIT_FLUSH_ON_CLOSE_MS)) ?? 0;
        if (lost > 0) process.stderr.write(`warning: ${lost} audit records were not written to the database\n`);
        await webhook?.close();
      } finally {
        audit.close();
      }
    },
  };
}
