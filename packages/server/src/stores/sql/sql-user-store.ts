import {
  type ActingHolder,
  AuthError,
  type MetadataObject,
  USER_LIST_MAX_LIMIT,
  type UserRecord,
  type UserStore,
} from '@jwtgate/core';
import {
  type Insertable,
  type Kysely,
  PostgresAdapter,
  type RawBuilder,
  type Selectable,
  SqliteAdapter,
  sql,
} from 'kysely';
import { isUniqueViolation, type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import { compileOnce } from './compile-once.js';
import { eraseUserRows } from './erase-user-rows.js';
import type { JwtgateDatabase, UsersTable } from './schema.js';
import { toMillis, toNullableMillis } from './schema.js';
import { isSqlite, writeTransaction } from './write-transaction.js';

function toRecord(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    username: row.username,
    usernameKey: row.username_key,
    passwordHash: row.password_hash,
    role: row.role,
    disabled: Boolean(Number(row.disabled)),
    credentialVersion: Number(row.credential_version),
    createdAt: toMillis(row.created_at),
    updatedAt: toMillis(row.updated_at),
    email: row.email,
    emailKey: row.email_key,
    emailVerifiedAt: toNullableMillis(row.email_verified_at),
    ...(row.app_metadata === null ? {} : { appMetadata: JSON.parse(row.app_metadata) as MetadataObject }),
    ...(row.user_metadata === null ? {} : { userMetadata: JSON.parse(row.user_metadata) as MetadataObject }),
  };
}

/** Metadata as stored: JSON text, or `null` for an empty object (so that a user without any reads back as created). */
function metadataColumn(metadata: MetadataObject | undefined): string | null {
  return metadata === undefined || Object.keys(metadata).length === 0 ? null : JSON.stringify(metadata);
}

/** The row of a user, as inserted. */
export function toUserRow(user: UserRecord): Insertable<UsersTable> {
  return {
    id: user.id,
    username: user.username,
    username_key: user.usernameKey,
    password_hash: user.passwordHash,
    role: user.role,
    disabled: user.disabled ? 1 : 0,
    credential_version: user.credentialVersion,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    email: user.email ?? null,
    email_key: user.emailKey ?? null,
    email_verified_at: user.emailVerifiedAt ?? null,
    app_metadata: metadataColumn(user.appMetadata),
    user_metadata: metadataColumn(user.userMetadata),
  };
}

/**
 * The error for a user whose insert a unique index refused: which key was
 * taken, the name first, as registration checks it first.
 *
 * @example
 * if (isUniqueViolation(error)) throw await takenUserKey(db, user);
 */
export async function takenUserKey(db: Kysely<JwtgateDatabase>, user: UserRecord): Promise<AuthError> {
  const byName = await db
    .selectFrom('jwtgate_users')
    .select('id')
    .where('username_key', '=', user.usernameKey)
    .executeTakeFirst();
  return new AuthError(byName === undefined && user.emailKey != null ? 'ERR_EMAIL_TAKEN' : 'ERR_USERNAME_TAKEN');
}

/**
 * Inserts `user` unless their username is still quarantined (as of
 * `user.createdAt`: `ERR_USERNAME_TAKEN`); a taken key fails with the
 * driver's unique violation, which the caller turns into
 * {@link takenUserKey} outside any transaction it runs in (PostgreSQL
 * refuses every statement of a transaction after a failed one).
 *
 * @example
 * await db.transaction().execute((trx) => insertUser(trx, user));
 */
export async function insertUser(db: Kysely<JwtgateDatabase>, user: UserRecord): Promise<void> {
  const quarantined = await db
    .selectFrom('jwtgate_username_quarantine')
    .select('until')
    .where('username_key', '=', user.usernameKey)
    .executeTakeFirst();
  if (quarantined !== undefined && toMillis(quarantined.until) > user.createdAt) {
    throw new AuthError('ERR_USERNAME_TAKEN', { reason: 'quarantined' });
  }
  await db.insertInto('jwtgate_users').values(toUserRow(user)).execute();
}

/**
 * The ids of the enabled holders of `role`, their rows locked until the
 * transaction ends, taken in id order (every change that needs such locks
 * takes them so, so two of them queue instead of deadlocking). A change
 * that waited for one of these rows sees it as the change holding it left
 * it: PostgreSQL checks the condition again on the row it waited for, and
 * MySQL/MariaDB's locking read reads the latest version. SQLite needs no
 * lock: its transactions on a database run one at a time.
 *
 * @example
 * const admins = await lockEnabledHolders(trx, 'admin');
 */
export async function lockEnabledHolders(trx: Kysely<JwtgateDatabase>, role: string): Promise<string[]> {
  const holders = trx
    .selectFrom('jwtgate_users')
    .select('id')
    .where('role', '=', role)
    .where('disabled', '=', 0)
    .orderBy('id');
  const rows = await (isSqlite(trx) ? holders : holders.forUpdate()).execute();
  return rows.map((row) => row.id);
}

/**
 * Throws `ERR_FORBIDDEN` unless `holder.id` is an enabled holder of
 * `holder.role` now, and keeps every enabled holder's row locked until the
 * transaction ends: a demotion, disabling or deletion of the acting user
 * waits for the change or is seen by it. Answers the holders' ids.
 *
 * @example
 * await assertEnabledHolder(trx, { id: adminId, role: 'admin' });
 */
export async function assertEnabledHolder(trx: Kysely<JwtgateDatabase>, holder: ActingHolder): Promise<string[]> {
  const holders = await lockEnabledHolders(trx, holder.role);
  if (!holders.includes(holder.id)) throw new AuthError('ERR_FORBIDDEN', { reason: 'actor-not-holder' });
  return holders;
}

/** The LIKE escape character; one that needs no escaping in any dialect's string literals. */
const LIKE_ESCAPE = '!';

/** `prefix%` with LIKE's wildcards (and the escape character) in `prefix` taken literally. */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[!%_]/g, (c) => `${LIKE_ESCAPE}${c}`)}%`;
}

/** Options of {@link createSqlUserStore}. */
export interface SqlUserStoreOptions {
  /** Every call answers within this time, or fails with `ERR_STORE_UNAVAILABLE`. */
  readonly timeoutMs?: number;
}

/**
 * Users in a SQL database. Username uniqueness is the database's unique index
 * on the case-folded key, so concurrent registrations cannot both succeed.
 *
 * @example
 * const users = createSqlUserStore(db, { timeoutMs: 1000 });
 */
export function createSqlUserStore(db: Kysely<JwtgateDatabase>, options: SqlUserStoreOptions = {}): UserStore {
  const table = 'jwtgate_users' as const;
  const call: StoreCallOptions = options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs };
  // Every refresh reads its user by id: compiled once (see compile-once.ts).
  const selectById = compileOnce(db, 1, (id: string) => db.selectFrom(table).selectAll().where('id', '=', id));
  const adapter = db.getExecutor().adapter;
  const sqlite = adapter instanceof SqliteAdapter;
  // Listing compares and orders username keys by code point everywhere. SQLite (BINARY) and
  // MySQL (the tables are utf8mb4_bin) do so already; PostgreSQL follows the database's locale
  // unless told "C", which an index of its own (migration 0003) serves.
  const usernameKey: RawBuilder<string> =
    adapter instanceof PostgresAdapter ? sql<string>`username_key collate "C"` : sql<string>`username_key`;
  /** `column` starts with `prefix`, compared exactly (`compared` is the column as the listing orders it). */
  function startsWith(compared: RawBuilder<string>, column: 'username_key' | 'email_key', prefix: string) {
    const like = sql<boolean>`${compared} like ${likePrefix(prefix)} escape ${sql.lit(LIKE_ESCAPE)}`;
    // SQLite's LIKE ignores the case of ASCII letters; the exact comparison keeps `A` from matching `a`.
    return sqlite ? sql<boolean>`${like} and substr(${sql.ref(column)}, 1, ${[...prefix].length}) = ${prefix}` : like;
  }
  /**
   * Checks, in the change's transaction, the acting user (`by`, who must be
   * an enabled holder of a role: `ERR_FORBIDDEN`) and then the last-holder
   * rule (`keep`: `ERR_LAST_ADMIN` when `id` is the only enabled holder).
   * Both lock the enabled holders ({@link lockEnabledHolders}), so that a
   * concurrent change waits and then sees this one's outcome: two
   * administrators disabling or demoting each other cannot both succeed, nor
   * can one act after the other's demotion of them committed.
   */
  async function checkHolders(
    trx: Kysely<JwtgateDatabase>,
    id: string,
    by: ActingHolder | undefined,
    keep: string | undefined,
  ): Promise<void> {
    const acting = by === undefined ? undefined : await assertEnabledHolder(trx, by);
    if (keep === undefined) return;
    const holders = acting !== undefined && by?.role === keep ? acting : await lockEnabledHolders(trx, keep);
    if (holders.length === 1 && holders[0] === id) throw new AuthError('ERR_LAST_ADMIN');
  }

  return {
    create: (user) =>
      withStoreErrors(async () => {
        try {
          await insertUser(db, user);
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          throw await takenUserKey(db, user);
        }
      }, call),

    delete: (id, deleteOptions) =>
      withStoreErrors(
        () =>
          db.transaction().execute(async (trx) => {
            await checkHolders(trx, id, deleteOptions.byEnabledHolder, deleteOptions.keepEnabledRole);
            const row = await trx.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst();
            if (row === undefined) return null;
            const user = toRecord(row);
            await eraseUserRows(trx, user);
            await trx.deleteFrom(table).where('id', '=', id).execute();
            await trx.deleteFrom('jwtgate_username_quarantine').where('username_key', '=', user.usernameKey).execute();
            if (deleteOptions.quarantineUntil > deleteOptions.now) {
              await trx
                .insertInto('jwtgate_username_quarantine')
                .values({ username_key: user.usernameKey, until: deleteOptions.quarantineUntil })
                .execute();
            }
            return user;
          }),
        call,
      ),

    findById: (id) =>
      withStoreErrors(async () => {
        const row = (await selectById(id)).rows[0];
        return row === undefined ? null : toRecord(row);
      }, call),

    findByUsernameKey: (usernameKey) =>
      withStoreErrors(async () => {
        const row = await db.selectFrom(table).selectAll().where('username_key', '=', usernameKey).executeTakeFirst();
        return row === undefined ? null : toRecord(row);
      }, call),

    findByEmailKey: (emailKey) =>
      withStoreErrors(async () => {
        const row = await db.selectFrom(table).selectAll().where('email_key', '=', emailKey).executeTakeFirst();
        return row === undefined ? null : toRecord(row);
      }, call),

    update: (id, changes, updateOptions = {}) =>
      withStoreErrors(
        () =>
          writeTransaction(db, async (trx) => {
            const kept = updateOptions.keepEnabledRole;
            const losesRole =
              kept !== undefined &&
              (changes.disabled === true || (changes.role !== undefined && changes.role !== kept));
            await checkHolders(trx, id, updateOptions.byEnabledHolder, losesRole ? kept : undefined);
            const { email } = changes;
            let update = trx
              .updateTable(table)
              .set({
                updated_at: changes.updatedAt,
                ...(changes.passwordHash === undefined ? {} : { password_hash: changes.passwordHash }),
                ...(changes.role === undefined ? {} : { role: changes.role }),
                ...(changes.disabled === undefined ? {} : { disabled: changes.disabled ? 1 : 0 }),
                ...(changes.bumpCredentialVersion === true
                  ? { credential_version: sql<number>`credential_version + 1` }
                  : {}),
                ...(email === undefined
                  ? {}
                  : { email: email?.email ?? null, email_key: email?.emailKey ?? null, email_verified_at: null }),
                ...(changes.emailVerifiedAt === undefined ? {} : { email_verified_at: changes.emailVerifiedAt }),
                ...(changes.appMetadata === undefined ? {} : { app_metadata: metadataColumn(changes.appMetadata) }),
                ...(changes.userMetadata === undefined ? {} : { user_metadata: metadataColumn(changes.userMetadata) }),
              })
              .where('id', '=', id);
            if (updateOptions.ifCredentialVersion !== undefined) {
              update = update.where('credential_version', '=', updateOptions.ifCredentialVersion);
            }
            if (updateOptions.ifPasswordHash !== undefined) {
              update = update.where('password_hash', '=', updateOptions.ifPasswordHash);
            }
            let result: Awaited<ReturnType<typeof update.executeTakeFirst>>;
            try {
              result = await update.executeTakeFirst();
            } catch (error) {
              if (email != null && isUniqueViolation(error)) throw new AuthError('ERR_EMAIL_TAKEN');
              throw error;
            }
            if (result.numUpdatedRows === 0n) return null;
            const row = await trx.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirstOrThrow();
            return toRecord(row);
          }),
        call,
      ),

    list: (query) => {
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > USER_LIST_MAX_LIMIT) {
        return Promise.reject(new RangeError(`limit must be an integer from 1 to ${USER_LIST_MAX_LIMIT}`));
      }
      return withStoreErrors(async () => {
        let select = db.selectFrom(table).selectAll();
        const { prefix, emailPrefix, afterKey } = query;
        if (prefix !== undefined && prefix !== '')
          select = select.where(startsWith(usernameKey, 'username_key', prefix));
        if (emailPrefix !== undefined && emailPrefix !== '') {
          select = select.where(startsWith(sql<string>`email_key`, 'email_key', emailPrefix));
        }
        if (query.role !== undefined) select = select.where('role', '=', query.role);
        if (query.disabled !== undefined) select = select.where('disabled', '=', query.disabled ? 1 : 0);
        if (query.emailVerified !== undefined) {
          select = select.where('email_verified_at', query.emailVerified ? 'is not' : 'is', null);
        }
        if (query.secondFactor !== undefined) {
          // Both look-ups are by the user id, which leads the primary key of the one and an index of the other.
          const factor = sql<boolean>`(exists (select 1 from jwtgate_mfa_totp t where t.user_id = ${sql.ref(`${table}.id`)} and t.confirmed_at is not null) or exists (select 1 from jwtgate_passkeys p where p.user_id = ${sql.ref(`${table}.id`)}))`;
          select = select.where(query.secondFactor ? factor : sql<boolean>`not ${factor}`);
        }
        if (afterKey !== undefined) select = select.where(sql<boolean>`${usernameKey} > ${afterKey}`);
        // One row more than asked tells whether another page follows.
        const rows = await select
          .orderBy(usernameKey)
          .limit(query.limit + 1)
          .execute();
        return { users: rows.slice(0, query.limit).map(toRecord), more: rows.length > query.limit };
      }, call);
    },
  };
}
