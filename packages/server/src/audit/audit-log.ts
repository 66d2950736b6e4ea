import { randomUUID } from 'node:crypto';
import type { Clock } from '@jwtgate/core';
import { ALERTING_EVENTS } from './alert-classes.js';
import { currentAuditContext } from './audit-context.js';
import type { AuditFile } from './audit-file.js';
import { AUDIT_VERSION, type AuditEvent, type AuditRecord } from './audit-record.js';

/** The part of a pino (Fastify) logger the audit trail writes to. */
export interface AuditLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** Options of {@link createAuditLog}. */
export interface AuditLogOptions {
  readonly clock: Clock;
  /** The structured log, once there is one; omitted or `undefined` leaves the log out. */
  readonly log?: () => AuditLogger | undefined;
  /** Also appends every record to this file. */
  readonly file?: AuditFile;
  /**
   * A record the file did not take (a full disk...). `firstInARow` is true
   * for the first failure after a success, so the caller can log once per
   * outage rather than once per record.
   */
  readonly onFileError?: (error: unknown, firstInARow: boolean) => void;
  /**
   * Also handed every record, after the log line is written (the database
   * queue, the alert webhook). Each must return at once and never throw.
   */
  readonly sinks?: readonly ((record: AuditRecord) => void)[];
}

/** Writes audit records to the structured log and, when configured, to the audit file. */
export interface AuditLog {
  record(event: AuditEvent): void;
  /** Reopens the audit file (log rotation); a no-op without one. Throws when it cannot be reopened. */
  reopen(): void;
  close(): void;
}

/** What the request being served adds to a record that does not say it already. */
function requestFields(event: AuditEvent): object {
  const context = currentAuditContext();
  if (context === undefined) return {};
  const sessionId = 'sessionId' in event ? undefined : context.sessionId();
  return {
    requestId: context.requestId,
    ...('ip' in event ? {} : context.client()),
    ...(sessionId === undefined ? {} : { sessionId }),
  };
}

/**
 * Creates the audit trail. Each record gets the envelope (`audit: true`,
 * `auditVersion`, a unique `id`, `at`, and within a request its `requestId`)
 * and goes to the structured log, at `warn` for events
 * that raise an alert (`ALERT_CLASSES`) and `info` otherwise, with the event name as the message; and as
 * one JSON line to the audit file.
 *
 * Writing is synchronous and never throws into the request: an audit file
 * that fails is reported through `onFileError` and the request goes on, so a
 * full disk does not take authentication down with it (the failure is
 * counted in `jwtgate_audit_write_failures_total`, to alert on).
 *
 * @example
 * const audit = createAuditLog({ clock, log: () => app.log, file: openAuditFile('audit.jsonl') });
 * audit.record({ event: 'user.registered', userId, username, ip, userAgent });
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { clock, file } = options;
  let fileFailing = false;
  return {
    record(event) {
      const record = {
        audit: true,
        auditVersion: AUDIT_VERSION,
        id: randomUUID(),
        at: new Date(clock.now()).toISOString(),
        ...requestFields(event),
        ...event,
      } as AuditRecord;
      const logger = options.log?.();
      if (logger !== undefined) {
        if (ALERTING_EVENTS.has(record.event)) logger.warn(record, record.event);
        else logger.info(record, record.event);
      }
      if (file !== undefined) {
        try {
          file.append(`${JSON.stringify(record)}\n`);
          fileFailing = false;
        } catch (error) {
          options.onFileError?.(error, !fileFailing);
          fileFailing = true;
        }
      }
      for (const sink of options.sinks ?? []) sink(record);
    },
    reopen() {
      file?.reopen();
      fileFailing = false;
    },
    close() {
      file?.close();
    },
  };
}
