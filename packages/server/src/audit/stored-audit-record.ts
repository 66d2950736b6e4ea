import type { StoredAuditRecord } from '@jwtgate/core';
import { auditOutcome } from './audit-outcome.js';
import type { AuditRecord } from './audit-record.js';

/** The widths of the audit table's columns; longer values are cut rather than failing their whole batch. */
const COLUMN_MAX = { id: 64, ip: 64, userAgent: 512 } as const;

function column(value: unknown, max: number): string | null {
  return typeof value === 'string' ? value.slice(0, max) : null;
}

/**
 * A record as the audit store keeps it: the fields queries filter on as
 * columns, everything else the event says (its schema version included) as
 * `details`. The log line and the row share the record's `id`.
 *
 * @example
 * store.append([toStoredAuditRecord(record)]);
 */
export function toStoredAuditRecord(record: AuditRecord): StoredAuditRecord {
  const {
    audit: _audit,
    id,
    at,
    event,
    userId,
    sessionId,
    actorId,
    ip,
    userAgent,
    requestId,
    // The column holds it.
    outcome: _outcome,
    ...details
  } = record as AuditRecord & Record<string, unknown>;
  return {
    id,
    at: Date.parse(at),
    event,
    outcome: auditOutcome(record),
    userId: column(userId, COLUMN_MAX.id),
    sessionId: column(sessionId, COLUMN_MAX.id),
    actorId: column(actorId, COLUMN_MAX.id),
    ip: column(ip, COLUMN_MAX.ip),
    userAgent: column(userAgent, COLUMN_MAX.userAgent),
    requestId: column(requestId, COLUMN_MAX.id),
    details,
  };
}
