import type { RevokedSession, SessionRecord, SessionStore } from '@jwtgate/core';
import {
  type Insertable,
  type Kysely,
  MysqlAdapter,
  type Selectable,
  type SelectQueryBuilder,
  type Transaction,
} from 'kysely';
import { retryOnConflict, type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import { compileOnce } from './compile-once.js';
import type { JwtgateDatabase, SessionsTable } from './schema.js';
import { toMillis, toNullableMillis } from './schema.js';

function toRecord(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    device: row.device,
    ip: row.ip,
    userAgent: row.user_agent,
    createdAt: toMillis(row.created_at),
    lastUsedAt: toMillis(row.last_used_at),
    expiresAt: toMillis(row.expires_at),
    refreshExpiresAt: toMillis(row.refresh_expires_at),
    generation: Number(row.generation),
    currentHash: row.current_hash,
    previousHash: row.previous_hash,
    rotatedAt: toNullableMillis(row.rotated_at),
    revokedAt: toNullableMillis(row.revoked_at),
    revokeReason: row.revoke_reason,
    // Sessions stored before migration 0012 were all password logins.
    amr: row.amr === null || row.amr === '' ? ['pwd'] : row.amr.split(' '),
    authTime: row.auth_time === null ? toMillis(row.created_at) : toMillis(row.auth_time),
    credentialVersion: Number(row.credential_version),
  };
}

/** The row of a session, as inserted. */
export function toRow(session: SessionRecord): Insertable<SessionsTable> {
  return {
    id: session.id,
    user_id: session.userId,
    device: session.device,
    ip: session.ip,
    user_agent: session.userAgent,
    created_at: session.createdAt,
    last_used_at: session.lastUsedAt,
    expires_at: session.expiresAt,
    refresh_expires_at: session.refreshExpiresAt,
    generation: session.generation,
    current_hash: session.currentHash,
    previous_hash: session.previousHash,
    rotated_at: session.rotatedAt,
    revoked_at: session.revokedAt,
    revoke_reason: session.revokeReason,
    amr: session.amr.join(' '),
    auth_time: session.authTime,
    credential_version: session.credentialVersion,
  };
}

/** Narrows a query to the user's active sessions at `now`, newest first. */
function activeNewestFirst(userId: string, now: number) {
  return <O>(query: SelectQueryBuilder<JwtgateDatabase, 'jwtgate_sessions', O>) =>
    query
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('refresh_expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc');
}

/** Revoked sessions read per query by `listRevokedSince`: a few milliseconds of synchronous SQLite each. */
const REVOKED_PAGE = 5_000;

const nextCheckPhase = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The sessions revoked at or after `since`, read in pages along the
 * `revoked_at` index, giving the event loop back between pages: SQLite
 * answers synchronously, and a million rows read by one query held the loop
 * for over a second at start-up. A page ends at a time, never inside one:
 * the rows revoked at the page's last time (a revoke-all can end thousands
 * of sessions in the same millisecond) are read by a query of their own.
 * Each query has the store's deadline of its own.
 */
async function listRevokedInPages(
  db: Kysely<JwtgateDatabase>,
  since: number,
  pageSize: number,
  call: StoreCallOptions,
): Promise<RevokedSession[]> {
  const revoked: RevokedSession[] = [];
  const push = (rows: readonly { id: string; user_id: string; revoked_at: number | bigint | string | null }[]) => {
    for (const row of rows) revoked.push({ id: row.id, userId: row.user_id, revokedAt: toMillis(row.revoked_at ?? 0) });
  };
  const columns = ['id', 'user_id', 'revoked_at'] as const;
  let from = since;
  for (;;) {
    const page = await withStoreErrors(
      () =>
        db
          .selectFrom('jwtgate_sessions')
          .select(columns)
          .where('revoked_at', '>=', from)
          .orderBy('revoked_at')
          .limit(pageSize)
          .execute(),
      call,
    );
    const last = page.at(-1);
    if (page.length < pageSize || last === undefined) {
      push(page);
      return revoked;
    }
    const lastAt = toMillis(last.revoked_at ?? 0);
    push(page.filter((row) => toMillis(row.revoked_at ?? 0) < lastAt));
    push(
      await withStoreErrors(
        () => db.selectFrom('jwtgate_sessions').select(columns).where('revoked_at', '=', lastAt).execute(),
        call,
      ),
    );
    from = lastAt + 1;
    await nextCheckPhase();
  }
}

/** Options of {@link createSqlSessionStore}. */
export interface SqlSessionStoreOptions {
  /** Every call answers within this time, or fails with `ERR_STORE_UNAVAILABLE`. */
  readonly timeoutMs?: number;
  /** Revoked sessions read per query by `listRevokedSince`; default 5,000. */
  readonly revokedPageSize?: number;
}

/**
 * Takes the user's row in `jwtgate_session_locks` (creating it if need be)
 * for the rest of the transaction, so that session writes of one user are
 * serialised on every dialect while other users' writes go on in parallel.
 */
async function lockUser(trx: Transaction<JwtgateDatabase>, userId: string, now: number): Promise<void> {
  const insert = trx.insertInto('jwtgate_session_locks').values({ user_id: userId, locked_at: now });
  await (trx.getExecutor().adapter instanceof MysqlAdapter
    ? insert.onDuplicateKeyUpdate({ locked_at: now })
    : insert.onConflict((oc) => oc.column('user_id').doUpdateSet({ locked_at: now }))
  ).execute();
}

/**
 * Sessions in a SQL database (SQLite, PostgreSQL, MySQL/MariaDB through Kysely).
 * Rotation and revocation are single conditional UPDATEs, so the database
 * decides the one winner; logins and revoke-alls of one user take turns on a
 * per-user lock row.
 *
 * @example
 * const store = createSqlSessionStore(db, { timeoutMs: 1000 });
 */
export function createSqlSessionStore(db: Kysely<JwtgateDatabase>, options: SqlSessionStoreOptions = {}): SessionStore {
  const table = 'jwtgate_sessions' as const;
  const call: StoreCallOptions = options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs };
  const revokedPageSize = options.revokedPageSize ?? REVOKED_PAGE;
  // The two queries of every refresh, compiled once (see compile-once.ts).
  const selectById = compileOnce(db, 1, (id: string) => db.selectFrom(table).selectAll().where('id', '=', id));
  const compareAndSwap = compileOnce(
    db,
    9,
    (
      id: string,
      fromGeneration: number,
      fromHash: string,
      toGeneration: number,
      toHash: string,
      now: number,
      refreshExpiresAt: number,
      ip: string | null,
      userAgent: string | null,
    ) =>
      db
        .updateTable(table)
        .set({
          generation: toGeneration,
          previous_hash: fromHash,
          current_hash: toHash,
          rotated_at: now,
          last_used_at: now,
          refresh_expires_at: refreshExpiresAt,
          ip,
          user_agent: userAgent,
        })
        .where('id', '=', id)
        .where('generation', '=', fromGeneration)
        .where('current_hash', '=', fromHash)
        .where('revoked_at', 'is', null),
  );
  return {
    create: (session, { now, maxActive }) =>
      withStoreErrors(
        () =>
          retryOnConflict(() =>
            db.transaction().execute(async (trx) => {
              await lockUser(trx, session.userId, now);
              await trx.insertInto(table).values(toRow(session)).execute();
              if (maxActive <= 0) return [];
              const others = await trx
                .selectFrom(table)
                .select(['id'])
                .where('id', '!=', session.id)
                .$call(activeNewestFirst(session.userId, now))
                .execute();
              // The new session always stays; the oldest others make room for it.
              const evicted = others.slice(maxActive - 1).map((row) => row.id);
              if (evicted.length === 0) return [];
              await trx
                .updateTable(table)
                .set({ revoked_at: now, revoke_reason: 'session-limit' })
                .where('id', 'in', evicted)
                .where('revoked_at', 'is', null)
                .execute();
              return evicted.map((id): RevokedSession => ({ id, userId: session.userId, revokedAt: now }));
            }),
          ),
        call,
      ),

    get: (id) =>
      withStoreErrors(async () => {
        const row = (await selectById(id)).rows[0];
        return row === undefined ? null : toRecord(row);
      }, call),

    listActive: (userId, now) =>
      withStoreErrors(async () => {
        const rows = await db.selectFrom(table).selectAll().$call(activeNewestFirst(userId, now)).execute();
        return rows.map(toRecord);
      }, call),

    countActive: (now) =>
      withStoreErrors(async () => {
        // One count over the sessions not revoked (its index narrows them first) that have not expired.
        const row = await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number | string | bigint>().as('active'))
          .where('revoked_at', 'is', null)
          .where('expires_at', '>', now)
          .where('refresh_expires_at', '>', now)
          .executeTakeFirstOrThrow();
        return Number(row.active);
      }, call),

    rotate: (rotation) =>
      withStoreErrors(async () => {
        const result = await compareAndSwap(
          rotation.id,
          rotation.fromGeneration,
          rotation.fromHash,
          rotation.fromGeneration + 1,
          rotation.toHash,
          rotation.now,
          rotation.refreshExpiresAt,
          rotation.ip,
          rotation.userAgent,
        );
        return result.numAffectedRows === 1n;
      }, call),

    revoke: (id, { now, reason, userId }) =>
      withStoreErrors(
        () =>
          db.transaction().execute(async (trx) => {
            let select = trx.selectFrom(table).select(['user_id']).where('id', '=', id).where('revoked_at', 'is', null);
            if (userId !== undefined) select = select.where('user_id', '=', userId);
            const row = await select.executeTakeFirst();
            if (row === undefined) return null;
            const result = await trx
              .updateTable(table)
              .set({ revoked_at: now, revoke_reason: reason })
              .where('id', '=', id)
              .where('revoked_at', 'is', null)
              .executeTakeFirst();
            return result.numUpdatedRows === 1n ? { id, userId: row.user_id, revokedAt: now } : null;
          }),
        call,
      ),

    revokeAll: (userId, { now, reason, exceptId, exceptCredentialVersion }) =>
      withStoreErrors(
        () =>
          retryOnConflict(() =>
            db.transaction().execute(async (trx) => {
              await lockUser(trx, userId, now);
              if (exceptId !== undefined && exceptCredentialVersion !== undefined) {
                await trx
                  .updateTable(table)
                  .set({ credential_version: exceptCredentialVersion })
                  .where('id', '=', exceptId)
                  .where('user_id', '=', userId)
                  .where('revoked_at', 'is', null)
                  .execute();
              }
              let select = trx
                .selectFrom(table)
                .select(['id'])
                .where('user_id', '=', userId)
                .where('revoked_at', 'is', null);
              if (exceptId !== undefined) select = select.where('id', '!=', exceptId);
              const ids = (await select.execute()).map((row) => row.id);
              if (ids.length === 0) return [];
              await trx
                .updateTable(table)
                .set({ revoked_at: now, revoke_reason: reason })
                .where('id', 'in', ids)
                .where('revoked_at', 'is', null)
                .execute();
              return ids.map((id): RevokedSession => ({ id, userId, revokedAt: now }));
            }),
          ),
        call,
      ),

    // Each page is one bounded call: the whole list may take longer than one call's deadline.
    listRevokedSince: (since) => listRevokedInPages(db, since, revokedPageSize, call),

    deleteEnded: (before) =>
      withStoreErrors(async () => {
        const result = await db
          .deleteFrom(table)
          .where((eb) =>
            eb.or([
              eb('expires_at', '<', before),
              eb('refresh_expires_at', '<', before),
              eb('revoked_at', '<', before),
            ]),
          )
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      }, call),
  };
}
