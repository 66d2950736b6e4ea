import { AuthError, type FederatedIdentity, type IdentityStore, NO_PASSWORD_HASH } from '@jwtgate/core';
import { type Insertable, type Kysely, type Selectable, SqliteAdapter } from 'kysely';
import { isUniqueViolation, retryOnConflict, type StoreCallOptions, withStoreErrors } from '../store-errors.js';
import { type IdentitiesTable, type JwtgateDatabase, toMillis } from './schema.js';
import { takenUserKey, toUserRow } from './sql-user-store.js';

const IDENTITIES = 'jwtgate_identities' as const;
const USERS = 'jwtgate_users' as const;

function toIdentity(row: Selectable<IdentitiesTable>): FederatedIdentity {
  return {
    provider: row.provider,
    subject: row.subject,
    userId: row.user_id,
    email: row.email,
    emailVerified: Boolean(Number(row.email_verified)),
    displayName: row.display_name,
    createdAt: toMillis(row.created_at),
    lastSignInAt: toMillis(row.last_sign_in_at),
    sealedTokens: row.sealed_tokens,
  };
}

function toRow(identity: FederatedIdentity): Insertable<IdentitiesTable> {
  return {
    provider: identity.provider,
    subject: identity.subject,
    user_id: identity.userId,
    email: identity.email,
    email_verified: identity.emailVerified ? 1 : 0,
    display_name: identity.displayName,
    created_at: identity.createdAt,
    last_sign_in_at: identity.lastSignInAt,
    sealed_tokens: identity.sealedTokens,
  };
}

/**
 * Federated identities in the SQL database, beside the users. The primary
 * key (provider, subject) and the unique (user, provider) pair settle
 * concurrent links; a first sign-in writes the user and its identity in one
 * transaction; an unlink holds the user's row while it counts what is left.
 *
 * @example
 * const identities = createSqlIdentityStore(database.db, { timeoutMs: 1000 });
 */
export function createSqlIdentityStore(
  db: Kysely<JwtgateDatabase>,
  options: { readonly timeoutMs?: number } = {},
): IdentityStore {
  const call: StoreCallOptions = options.timeoutMs === undefined ? {} : { deadlineMs: options.timeoutMs };
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  return {
    find: (provider, subject) =>
      withStoreErrors(async () => {
        const row = await db
          .selectFrom(IDENTITIES)
          .selectAll()
          .where('provider', '=', provider)
          .where('subject', '=', subject)
          .executeTakeFirst();
        return row === undefined ? null : toIdentity(row);
      }, call),

    listByUser: (userId) =>
      withStoreErrors(async () => {
        const rows = await db
          .selectFrom(IDENTITIES)
          .selectAll()
          .where('user_id', '=', userId)
          .orderBy('created_at')
          .orderBy('provider')
          .execute();
        return rows.map(toIdentity);
      }, call),

    link: (identity) =>
      withStoreErrors(async () => {
        try {
          await db.insertInto(IDENTITIES).values(toRow(identity)).execute();
        } catch (error) {
          if (isUniqueViolation(error)) throw new AuthError('ERR_IDENTITY_TAKEN');
          throw error;
        }
      }, call),

    createUserWithIdentity: (user, identity) =>
      withStoreErrors(async () => {
        try {
          await retryOnConflict(() =>
            db.transaction().execute(async (trx) => {
              // The identity first: concurrent first sign-ins of one identity meet on its key.
              await trx.insertInto(IDENTITIES).values(toRow(identity)).execute();
              await trx.insertInto(USERS).values(toUserRow(user)).execute();
            }),
          );
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          // The transaction is rolled back whole; which key refused it decides the answer.
          const taken = await db
            .selectFrom(IDENTITIES)
            .select('user_id')
            .where('provider', '=', identity.provider)
            .where('subject', '=', identity.subject)
            .executeTakeFirst();
          if (taken !== undefined) throw new AuthError('ERR_IDENTITY_TAKEN');
          throw await takenUserKey(db, user);
        }
      }, call),

    recordSignIn: (provider, subject, signIn) =>
      withStoreErrors(async () => {
        const result = await db
          .updateTable(IDENTITIES)
          .set({
            email: signIn.email,
            email_verified: signIn.emailVerified ? 1 : 0,
            display_name: signIn.displayName,
            last_sign_in_at: signIn.at,
            sealed_tokens: signIn.sealedTokens,
          })
          .where('provider', '=', provider)
          .where('subject', '=', subject)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      }, call),

    unlink: (userId, provider) =>
      withStoreErrors(
        () =>
          retryOnConflict(() =>
            db.transaction().execute(async (trx) => {
              // Holding the user's row makes a concurrent unlink wait and then count what this one left.
              // SQLite needs no lock: its transactions on a database run one at a time.
              const userQuery = trx.selectFrom(USERS).select('password_hash').where('id', '=', userId);
              const user = await (sqlite ? userQuery : userQuery.forUpdate()).executeTakeFirst();
              const identities = await trx
                .selectFrom(IDENTITIES)
                .select('provider')
                .where('user_id', '=', userId)
                .execute();
              if (!identities.some((row) => row.provider === provider)) return 'not-found' as const;
              const hasPassword = user !== undefined && user.password_hash !== NO_PASSWORD_HASH;
              if (!hasPassword && identities.length < 2) return 'last-sign-in-method' as const;
              await trx.deleteFrom(IDENTITIES).where('user_id', '=', userId).where('provider', '=', provider).execute();
              return 'unlinked' as const;
            }),
          ),
        call,
      ),

    unlinkAll: (userId) =>
      withStoreErrors(
        () =>
          db.transaction().execute(async (trx) => {
            const query = trx.selectFrom(IDENTITIES).select('provider').where('user_id', '=', userId);
            // Read and delete under one lock, so the answer names exactly the rows deleted.
            const rows = await (sqlite ? query : query.forUpdate()).execute();
            await trx.deleteFrom(IDENTITIES).where('user_id', '=', userId).execute();
            return rows.map((row) => row.provider);
          }),
        call,
      ),
  };
}
