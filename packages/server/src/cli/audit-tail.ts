import { setTimeout as sleep } from 'node:timers/promises';
import { AUDIT_PAGE_MAX, type AuditQuery, AuthError, isAuthError, type StoredAuditRecord } from '@jwtgate/core';
import type { AdminRuntime } from './admin-runtime.js';
import type { CommandOutput } from './cli-output.js';
import { renderTable } from './render-table.js';
import { resolveUser } from './resolve-user.js';
import { pageLimit } from './user-list.js';

/** What `jwtgate audit tail` is asked. */
export interface AuditTailInput {
  readonly user?: string | undefined;
  readonly events: readonly string[];
  readonly limit?: string | undefined;
  readonly follow: boolean;
}

/** How often `--follow` reads the trail. */
const FOLLOW_INTERVAL_MS = 1_000;
/**
 * How far back each read of `--follow` looks: a server writes its records to
 * the database in batches, and retries them after an outage, so a record can
 * land after later ones. Those seen already are skipped by id.
 */
const FOLLOW_LOOKBACK_MS = 60_000;
const EVENT_NAME = /^[a-z]+(\.[a-z-]+)+$/;

/** A record as `GET /admin/audit` answers it, the JSON of `audit tail --json`. */
function recordJson(record: StoredAuditRecord) {
  return { ...record, at: new Date(record.at).toISOString() };
}

/** Who acted, as the trail says it: the administrator's id, the operator at the command line, or the kind. */
function actorOf(record: StoredAuditRecord): string {
  if (record.actorId !== null) return record.actorId;
  const { actor, operator } = record.details as { actor?: unknown; operator?: unknown };
  if (actor === 'cli') return `cli:${typeof operator === 'string' ? operator : '?'}`;
  return typeof actor === 'string' ? actor : '-';
}

/** The fields beyond the columns, compact: `reason=wrong-password revokedSessions=2`. */
function detailsOf(record: StoredAuditRecord): string {
  const hidden = new Set(['auditVersion', 'actor', 'operator', 'errorCode']);
  const parts = Object.entries(record.details)
    .filter(([name]) => !hidden.has(name))
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const { errorCode } = record.details as { errorCode?: unknown };
  return [...(typeof errorCode === 'string' ? [errorCode] : []), ...parts].join(' ');
}

function table(records: readonly StoredAuditRecord[], header: boolean): string {
  const rows = records.map((record) => [
    new Date(record.at).toISOString(),
    record.event,
    record.outcome,
    record.userId ?? '-',
    actorOf(record),
    record.ip ?? '-',
    detailsOf(record),
  ]);
  const text = renderTable(['AT', 'EVENT', 'OUTCOME', 'USER', 'ACTOR', 'IP', 'DETAILS'], rows, '(no records)');
  return header ? text : text.slice(text.indexOf('\n') + 1);
}

/** Oldest first, as a tail prints them. */
const chronological = (records: readonly StoredAuditRecord[]) =>
  [...records].sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));

/**
 * `jwtgate audit tail`: the latest records of the audit trail in the
 * database (`Audit.Database`), oldest first, filtered by user and event as
 * `GET /admin/audit` filters; with `--follow`, then every new record as it
 * lands (read once a second), until SIGINT or SIGTERM. With `--json`, one
 * record per line (JSON Lines), as the API answers each.
 */
export async function auditTailCommand(
  runtime: AdminRuntime,
  input: AuditTailInput,
  out: CommandOutput,
): Promise<void> {
  const store = runtime.auditStore;
  if (store === undefined) {
    throw new Error('audit tail reads the audit trail in the database, and Audit.Database is off');
  }
  for (const event of input.events) {
    if (!EVENT_NAME.test(event)) {
      throw new AuthError('ERR_VALIDATION', { reason: 'event', message: 'An event name looks like login.failed' });
    }
  }
  const limit = pageLimit(input.limit, AUDIT_PAGE_MAX);
  let userId: string | undefined;
  if (input.user !== undefined) {
    try {
      userId = (await resolveUser(runtime.users, input.user)).id;
    } catch (error) {
      // A deleted account's records keep its id: an id that names no user still selects them.
      if (!isAuthError(error, 'ERR_USER_NOT_FOUND')) throw error;
      userId = input.user;
    }
  }
  const filters: Omit<AuditQuery, 'limit'> = {
    ...(userId === undefined ? {} : { userId }),
    ...(input.events.length === 0 ? {} : { events: input.events }),
  };
  const emit = (records: readonly StoredAuditRecord[], header: boolean) => {
    if (out.json) {
      for (const record of records) out.write(`${JSON.stringify(recordJson(record))}\n`);
    } else if (records.length > 0 || header) {
      out.write(table(records, header));
    }
  };

  const latest = chronological((await store.query({ ...filters, limit })).records);
  emit(latest, true);
  if (!input.follow) return;

  // Older records of the look-back window that the first page left out are not news: only what lands from now on is.
  const window = await store.query({
    ...filters,
    since: runtime.clock.now() - FOLLOW_LOOKBACK_MS,
    limit: AUDIT_PAGE_MAX,
  });
  const seen = new Map([...latest, ...window.records].map((record) => [record.id, record.at]));
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    while (!stop.signal.aborted) {
      try {
        await sleep(FOLLOW_INTERVAL_MS, undefined, { signal: stop.signal });
      } catch {
        break;
      }
      const since = runtime.clock.now() - FOLLOW_LOOKBACK_MS;
      const page = await store.query({ ...filters, since, limit: AUDIT_PAGE_MAX });
      const fresh = chronological(page.records.filter((record) => !seen.has(record.id)));
      for (const record of fresh) seen.set(record.id, record.at);
      for (const [id, at] of seen) if (at < since) seen.delete(id);
      emit(fresh, false);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
