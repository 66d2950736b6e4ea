import {
  AUDIT_PAGE_MAX,
  type AuditOutcome,
  type AuditStore,
  decodeAuditCursor,
  encodeAuditCursor,
  type StoredAuditRecord,
} from '@jwtgate/core';
import { type Kysely, MysqlAdapter, type Selectable } from 'kysely';
import { type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import type { AuditTable, JwtgateDatabase } from './schema.js';
import { toMillis } from './schema.js';

function toRecord(row: Selectable<AuditTable>): StoredAuditRecord {
  return {
    id: row.id,
    at: toMillis(row.at),
    event: row.event,
    outcome: row.outcome as AuditOutcome,
    userId: row.user_id,
    sessionId: row.session_id,
    actorId: row.actor_id,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

function toRow(record: StoredAuditRecord) {
  return {
    id: record.id,
    at: record.at,
    event: record.event,
    outcome: record.outcome,
    user_id: record.userId,
    session_id: record.sessionId,
    actor_id: record.actorId,
    ip: record.ip,
    user_agent: record.userAgent,
    request_id: record.requestId,
    details: JSON.stringify(record.details),
  };
}

/** Options of {@link createSqlAuditStore}. */
export interface SqlAuditStoreOptions {
  /** Every call answers within this time, or fails with `ERR_STORE_UNAVAILABLE`. */
  readonly timeoutMs?: number;
}

/**
 * The audit trail in the SQL database, which every deployment has (sessions
 * may live in Redis; audit rows never do). A batch is one multi-row insert,
 * hence one transaction; re-appending an id is skipped through the primary
 * key (`on conflict do nothing`, MySQL's no-op `on duplicate key update`).
 *
 * @example
 * const audit = createSqlAuditStore(database.db, { timeoutMs: 1000 });
 * await audit.append([record]);
 */
export function createSqlAuditStore(db: Kysely<JwtgateDatabase>, options: SqlAuditStoreOptions = {}): AuditStore {
  const table = 'jwtgate_audit' as const;
  const call: StoreCallOptions = options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs };
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter;
  return {
    append: (records) =>
      withStoreErrors(async () => {
        if (records.length === 0) return;
        const insert = db.insertInto(table).values(records.map(toRow));
        await (mysql
          ? insert.onDuplicateKeyUpdate((eb) => ({ id: eb.ref('id') }))
          : insert.onConflict((oc) => oc.column('id').doNothing())
        ).execute();
      }, call),

    query: (query) =>
      withStoreErrors(async () => {
        const limit = Math.min(Math.max(1, Math.trunc(query.limit)), AUDIT_PAGE_MAX);
        const after = query.cursor === undefined ? undefined : decodeAuditCursor(query.cursor);
        if (query.events !== undefined && query.events.length === 0) return { records: [], nextCursor: null };
        let select = db.selectFrom(table).selectAll();
        if (query.userId !== undefined) select = select.where('user_id', '=', query.userId);
        if (query.sessionId !== undefined) select = select.where('session_id', '=', query.sessionId);
        if (query.events !== undefined) select = select.where('event', 'in', [...query.events]);
        if (query.outcome !== undefined) select = select.where('outcome', '=', query.outcome);
        if (query.ip !== undefined) select = select.where('ip', '=', query.ip);
        if (query.since !== undefined) select = select.where('at', '>=', query.since);
        if (query.until !== undefined) select = select.where('at', '<', query.until);
        if (after !== undefined) {
          select = select.where((eb) =>
            eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('id', '<', after.id)])]),
          );
        }
        // One more than asked says whether another page follows, without counting.
        const rows = await select
          .orderBy('at', 'desc')
          .orderBy('id', 'desc')
          .limit(limit + 1)
          .execute();
        const records = rows.slice(0, limit).map(toRecord);
        const last = records.at(-1);
        return {
          records,
          nextCursor: rows.length > limit && last !== undefined ? encodeAuditCursor(last) : null,
        };
      }, call),

    prune: (before) =>
      withStoreErrors(async () => {
        const result = await db.deleteFrom(table).where('at', '<', before).executeTakeFirst();
        return Number(result.numDeletedRows);
      }, call),
  };
}
