import {
  type CreateTableBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  MysqlAdapter,
  PostgresAdapter,
  SqliteAdapter,
  sql,
} from 'kysely';
import type { JwtgateDatabase } from './schema.js';

/**
 * MySQL and MariaDB compare strings with the table's collation, and the
 * default `utf8mb4_*_ci` collations ignore case and accents: hashes in
 * base64url would match other hashes and `Zoë` would collide with `zoe`. Every
 * jwtgate table there is `utf8mb4_bin`, so comparisons are exact, as they are
 * on SQLite and PostgreSQL.
 */
function exactStrings<T extends string, C extends string>(
  db: Kysely<unknown>,
  table: CreateTableBuilder<T, C>,
): CreateTableBuilder<T, C> {
  return db.getExecutor().adapter instanceof MysqlAdapter
    ? table.modifyEnd(sql`engine = InnoDB default charset = utf8mb4 collate = utf8mb4_bin`)
    : table;
}

/** Recreates `jwtgate_invitations` with `created_by` nullable or not, keeping its rows (0022). */
async function rebuildInvitations(db: Kysely<unknown>, createdByRequired: boolean): Promise<void> {
  const next = 'jwtgate_invitations_next';
  await exactStrings(
    db,
    db.schema
      .createTable(next)
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('email', 'varchar(320)', (c) => c.notNull())
      .addColumn('email_key', 'varchar(320)', (c) => c.notNull())
      .addColumn('role', 'varchar(32)', (c) => c.notNull())
      .addColumn('link_hash', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('created_by', 'varchar(64)', (c) => (createdByRequired ? c.notNull() : c))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('user_id', 'varchar(64)')
      .addColumn('revoked_at', 'bigint'),
  ).execute();
  await sql`insert into ${sql.table(next)} select id, email, email_key, role, link_hash, created_by, created_at, expires_at, used_at, user_id, revoked_at from jwtgate_invitations`.execute(
    db,
  );
  await db.schema.dropTable('jwtgate_invitations').execute();
  await db.schema.alterTable(next).renameTo('jwtgate_invitations').execute();
  await db.schema
    .createIndex('jwtgate_invitations_created_idx')
    .on('jwtgate_invitations')
    .columns(['created_at', 'id'])
    .execute();
}

/**
 * Schema versions, in order, shared by SQLite, PostgreSQL and MySQL/MariaDB.
 * A released migration is never edited: changes go into a new one, so
 * upgrading never loses data.
 */
const migrations: Record<string, Migration> = {
  '0001_users_and_sessions': {
    async up(db: Kysely<unknown>) {
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_users')
          .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
          .addColumn('username', 'varchar(128)', (c) => c.notNull())
          .addColumn('username_key', 'varchar(128)', (c) => c.notNull().unique())
          .addColumn('password_hash', 'varchar(256)', (c) => c.notNull())
          .addColumn('role', 'varchar(32)', (c) => c.notNull())
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull()),
      ).execute();
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_sessions')
          .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
          .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
          .addColumn('device', 'varchar(200)')
          .addColumn('ip', 'varchar(64)')
          .addColumn('user_agent', 'varchar(512)')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_used_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('refresh_expires_at', 'bigint', (c) => c.notNull())
          .addColumn('generation', 'integer', (c) => c.notNull())
          .addColumn('current_hash', 'varchar(64)', (c) => c.notNull())
          .addColumn('previous_hash', 'varchar(64)')
          .addColumn('rotated_at', 'bigint')
          .addColumn('revoked_at', 'bigint')
          .addColumn('revoke_reason', 'varchar(64)'),
      ).execute();
      await db.schema
        .createIndex('jwtgate_sessions_user_idx')
        .on('jwtgate_sessions')
        .columns(['user_id', 'created_at'])
        .execute();
      await db.schema.createIndex('jwtgate_sessions_revoked_idx').on('jwtgate_sessions').column('revoked_at').execute();
      await db.schema.createIndex('jwtgate_sessions_expires_idx').on('jwtgate_sessions').column('expires_at').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('jwtgate_sessions').execute();
      await db.schema.dropTable('jwtgate_users').execute();
    },
  },
  /**
   * One row per user that a session write locks first, so that concurrent
   * logins of one user take turns: otherwise, under PostgreSQL's and MySQL's
   * default isolation, two logins with `Auth.MaxSessions: 1` would each miss
   * the other's uncommitted session and both stay active.
   */
  '0002_session_user_locks': {
    async up(db: Kysely<unknown>) {
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_session_locks')
          .addColumn('user_id', 'varchar(36)', (c) => c.primaryKey())
          .addColumn('locked_at', 'bigint', (c) => c.notNull()),
      ).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('jwtgate_session_locks').execute();
    },
  },
  /**
   * The user listing pages through username keys in code point order. SQLite
   * and MySQL (`utf8mb4_bin`) compare that way, so the unique index serves
   * them; PostgreSQL compares by the database's locale, so it lists by
   * `collate "C"` and gets an index in that order here.
   */
  '0003_users_key_order': {
    async up(db: Kysely<unknown>) {
      if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
      await db.schema
        .createIndex('jwtgate_users_key_c_idx')
        .on('jwtgate_users')
        .expression(sql`username_key collate "C"`)
        .execute();
    },
    async down(db: Kysely<unknown>) {
      if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
      await db.schema.dropIndex('jwtgate_users_key_c_idx').execute();
    },
  },
  /**
   * Failed-attempt counters (login, registration and refresh limits), so that
   * instances sharing a PostgreSQL or MySQL database without Redis share them.
   */
  '0004_attempts': {
    async up(db: Kysely<unknown>) {
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_attempts')
          .addColumn('attempt_key', 'varchar(32)', (c) => c.primaryKey())
          .addColumn('failures', 'bigint', (c) => c.notNull())
          .addColumn('reset_at', 'bigint', (c) => c.notNull()),
      ).execute();
      await db.schema.createIndex('jwtgate_attempts_reset_idx').on('jwtgate_attempts').column('reset_at').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('jwtgate_attempts').execute();
    },
  },
  /**
   * The audit trail. Every query is newest first, so each filter's index
   * ends with the time and the id: a filtered page is one index range scan.
   */
  '0005_audit': {
    async up(db: Kysely<unknown>) {
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_audit')
          .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('event', 'varchar(64)', (c) => c.notNull())
          .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
          .addColumn('user_id', 'varchar(64)')
          .addColumn('session_id', 'varchar(64)')
          .addColumn('actor_id', 'varchar(64)')
          .addColumn('ip', 'varchar(64)')
          .addColumn('user_agent', 'varchar(512)')
          .addColumn('request_id', 'varchar(64)')
          .addColumn('details', 'text', (c) => c.notNull()),
      ).execute();
      const indexes = {
        at: [],
        user: ['user_id'],
        session: ['session_id'],
        event: ['event'],
        outcome: ['outcome'],
        ip: ['ip'],
      } as const;
      for (const [name, columns] of Object.entries(indexes)) {
        await db.schema
          .createIndex(`jwtgate_audit_${name}_idx`)
          .on('jwtgate_audit')
          .columns([...columns, 'at', 'id'])
          .execute();
      }
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('jwtgate_audit').execute();
    },
  },
  /**
   * The per-user credential version (raised by every credential change) and
   * the version each session was started from. Existing rows start at 0 on
   * both sides, so every live session stays valid.
   */
  '0006_credential_version': {
    async up(db: Kysely<unknown>) {
      for (const table of ['jwtgate_users', 'jwtgate_sessions']) {
        await db.schema
          .alterTable(table)
          .addColumn('credential_version', 'bigint', (c) => c.notNull().defaultTo(0))
          .execute();
      }
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['jwtgate_users', 'jwtgate_sessions']) {
        await db.schema.alterTable(table).dropColumn('credential_version').execute();
      }
    },
  },
  /**
   * Email addresses on accounts: the address as given, its case-folded key
   * (unique; every dialect lets many rows have none) and when it was
   * verified. Existing users keep working with no address.
   */
  '0007_users_email': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('jwtgate_users').addColumn('email', 'varchar(320)').execute();
      await db.schema.alterTable('jwtgate_users').addColumn('email_key', 'varchar(320)').execute();
      await db.schema.alterTable('jwtgate_users').addColumn('email_verified_at', 'bigint').execute();
      await db.schema
        .createIndex('jwtgate_users_email_key_idx')
        .on('jwtgate_users')
        .column('email_key')
        .unique()
        .execute();
    },
    async down(db: Kysely<unknown>) {
      const drop = db.schema.dropIndex('jwtgate_users_email_key_idx');
      await (db.getExecutor().adapter instanceof MysqlAdapter ? drop.on('jwtgate_users') : drop).execute();
      await db.schema.alterTable('jwtgate_users').dropColumn('email_verified_at').execute();
      await db.schema.alterTable('jwtgate_users').dropColumn('email_key').execute();
      await db.schema.alterTable('jwtgate_users').dropColumn('email').execute();
    },
  },
  /**
   * Second factors: authenticator-app secrets (sealed, never in clear),
   * recovery codes (hashed), logins waiting for their second factor (by the
   * hash of their mfaToken), and how each session was signed in to.
   */
  '0012_mfa': {
    async up(db: Kysely<unknown>) {
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_mfa_totp')
          .addColumn('user_id', 'varchar(36)', (c) => c.primaryKey())
          .addColumn('secret', 'varchar(255)', (c) => c.notNull())
          .addColumn('confirmed_at', 'bigint')
          .addColumn('last_used_step', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull()),
      ).execute();
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_mfa_recovery_codes')
          .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
          .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
          .addColumn('used_at', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('jwtgate_mfa_recovery_codes_pk', ['user_id', 'code_hash']),
      ).execute();
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_login_challenges')
          .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
          .addColumn('purpose', 'varchar(16)', (c) => c.notNull())
          .addColumn('network', 'varchar(64)')
          .addColumn('user_agent', 'varchar(512)')
          .addColumn('device', 'varchar(200)')
          .addColumn('cookie', 'integer', (c) => c.notNull())
          .addColumn('amr', 'varchar(64)', (c) => c.notNull())
          .addColumn('auth_time', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull()),
      ).execute();
      await db.schema
        .createIndex('jwtgate_login_challenges_expires_idx')
        .on('jwtgate_login_challenges')
        .column('expires_at')
        .execute();
      // One column per statement: SQLite adds one at a time.
      await db.schema.alterTable('jwtgate_sessions').addColumn('amr', 'varchar(64)').execute();
      await db.schema.alterTable('jwtgate_sessions').addColumn('auth_time', 'bigint').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('jwtgate_sessions').dropColumn('auth_time').execute();
      await db.schema.alterTable('jwtgate_sessions').dropColumn('amr').execute();
      await db.schema.dropTable('jwtgate_login_challenges').execute();
      await db.schema.dropTable('jwtgate_mfa_recovery_codes').execute();
      await db.schema.dropTable('jwtgate_mfa_totp').execute();
    },
  },
  /** The credential version a paused login was checked against, so a credential change voids it. */
  '0012_mfa_credential_version': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('jwtgate_login_challenges').addColumn('credential_version', 'bigint').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('jwtgate_login_challenges').dropColumn('credential_version').execute();
    },
  },
  /**
   * Passkeys (WebAuthn credentials: public keys, nothing secret), by their
   * credential id, and the challenges waiting for an authenticator's answer
   * (by the hash of the challenge). A credential id is at most 255 bytes
   * (342 characters of base64url), which keeps the key within MySQL's index
   * limit.
   */
  '0013_passkeys': {
    async up(db: Kysely<unknown>) {
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_passkeys')
          .addColumn('id', 'varchar(342)', (c) => c.primaryKey())
          .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
          .addColumn('public_key', 'varchar(2048)', (c) => c.notNull())
          .addColumn('counter', 'bigint', (c) => c.notNull())
          .addColumn('transports', 'varchar(255)', (c) => c.notNull())
          .addColumn('device_type', 'varchar(16)', (c) => c.notNull())
          .addColumn('backup_eligible', 'integer', (c) => c.notNull())
          .addColumn('backed_up', 'integer', (c) => c.notNull())
          .addColumn('name', 'varchar(128)', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_used_at', 'bigint'),
      ).execute();
      await db.schema
        .createIndex('jwtgate_passkeys_user_idx')
        .on('jwtgate_passkeys')
        .columns(['user_id', 'created_at'])
        .execute();
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_passkey_challenges')
          .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('purpose', 'varchar(16)', (c) => c.notNull())
          .addColumn('user_id', 'varchar(36)')
          .addColumn('login_challenge_id', 'varchar(64)')
          .addColumn('expires_at', 'bigint', (c) => c.notNull()),
      ).execute();
      await db.schema
        .createIndex('jwtgate_passkey_challenges_expires_idx')
        .on('jwtgate_passkey_challenges')
        .column('expires_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('jwtgate_passkey_challenges').execute();
      await db.schema.dropTable('jwtgate_passkeys').execute();
    },
  },
  /**
   * Emailed one-time secrets (keyed hashes only) and the mail outbox they
   * are written with in one transaction. The outbox's index serves the
   * sender's search for due mails.
   */
  '0007_users_email_tokens_outbox': {
    async up(db: Kysely<unknown>) {
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_email_tokens')
          .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
          .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('purpose', 'varchar(32)', (c) => c.notNull())
          .addColumn('email', 'varchar(320)', (c) => c.notNull())
          .addColumn('link_hash', 'varchar(64)', (c) => c.notNull().unique())
          .addColumn('code_hash', 'varchar(64)')
          .addColumn('stamp', 'varchar(64)', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('used_at', 'bigint'),
      ).execute();
      await db.schema
        .createIndex('jwtgate_email_tokens_user_idx')
        .on('jwtgate_email_tokens')
        .columns(['user_id', 'purpose', 'created_at'])
        .execute();
      await db.schema
        .createIndex('jwtgate_email_tokens_expires_idx')
        .on('jwtgate_email_tokens')
        .column('expires_at')
        .execute();
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_mail_outbox')
          .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
          .addColumn('user_id', 'varchar(64)')
          .addColumn('kind', 'varchar(32)', (c) => c.notNull())
          .addColumn('recipient', 'varchar(320)', (c) => c.notNull())
          .addColumn('payload', 'text')
          .addColumn('status', 'varchar(16)', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
          .addColumn('claimed_by', 'varchar(64)')
          .addColumn('lease_until', 'bigint')
          .addColumn('last_error', 'varchar(512)')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('sent_at', 'bigint'),
      ).execute();
      await db.schema
        .createIndex('jwtgate_mail_outbox_due_idx')
        .on('jwtgate_mail_outbox')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('jwtgate_mail_outbox_created_idx')
        .on('jwtgate_mail_outbox')
        .columns(['created_at', 'id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('jwtgate_mail_outbox').execute();
      await db.schema.dropTable('jwtgate_email_tokens').execute();
    },
  },
  /**
   * Account deletion and metadata: the two metadata objects as JSON text
   * (`null` while empty), and the usernames of deleted accounts that stay
   * taken until their quarantine ends.
   */
  '0015_accounts': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('jwtgate_users').addColumn('app_metadata', 'text').execute();
      await db.schema.alterTable('jwtgate_users').addColumn('user_metadata', 'text').execute();
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_username_quarantine')
          .addColumn('username_key', 'varchar(128)', (c) => c.primaryKey())
          .addColumn('until', 'bigint', (c) => c.notNull()),
      ).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('jwtgate_username_quarantine').execute();
      await db.schema.alterTable('jwtgate_users').dropColumn('user_metadata').execute();
      await db.schema.alterTable('jwtgate_users').dropColumn('app_metadata').execute();
    },
  },
  /**
   * Identities at identity providers: the key is the provider's name and the
   * subject it gives the user (exact strings), one identity per provider per
   * user. Provider tokens are kept only sealed, and only when asked for.
   */
  '0014_identities': {
    async up(db: Kysely<unknown>) {
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_identities')
          .addColumn('provider', 'varchar(64)', (c) => c.notNull())
          .addColumn('subject', 'varchar(255)', (c) => c.notNull())
          .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
          .addColumn('email', 'varchar(320)')
          .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('display_name', 'varchar(255)')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_sign_in_at', 'bigint', (c) => c.notNull())
          .addColumn('sealed_tokens', 'text')
          .addPrimaryKeyConstraint('jwtgate_identities_pk', ['provider', 'subject'])
          .addUniqueConstraint('jwtgate_identities_user_provider_uq', ['user_id', 'provider']),
      ).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('jwtgate_identities').execute();
    },
  },
  /**
   * Invitations to register: the link's keyed hash (unique), who made it, and
   * whether it was used (by which account) or revoked. Listed newest first.
   */
  '0016_invitations': {
    async up(db: Kysely<unknown>) {
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_invitations')
          .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
          .addColumn('email', 'varchar(320)', (c) => c.notNull())
          .addColumn('email_key', 'varchar(320)', (c) => c.notNull())
          .addColumn('role', 'varchar(32)', (c) => c.notNull())
          .addColumn('link_hash', 'varchar(64)', (c) => c.notNull().unique())
          .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('used_at', 'bigint')
          .addColumn('user_id', 'varchar(64)')
          .addColumn('revoked_at', 'bigint'),
      ).execute();
      await db.schema
        .createIndex('jwtgate_invitations_created_idx')
        .on('jwtgate_invitations')
        .columns(['created_at', 'id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('jwtgate_invitations').execute();
    },
  },
  /**
   * Listings by role in username order: the console asks for the enabled
   * administrators on every user's page, and the last-admin rule reads a
   * role's holders on each disable, demotion and deletion. Without it each is
   * a scan of every user; with it, a range of the index, already in the
   * listing's order (`collate "C"` on PostgreSQL, as in 0003). The other
   * criteria (state, verified address, second factor) keep no index: each
   * splits the users roughly in two, where an index buys little.
   */
  '0018_users_role_order': {
    async up(db: Kysely<unknown>) {
      const index = db.schema.createIndex('jwtgate_users_role_idx').on('jwtgate_users');
      await (db.getExecutor().adapter instanceof PostgresAdapter
        ? index.expression(sql`role, username_key collate "C"`)
        : index.columns(['role', 'username_key'])
      ).execute();
    },
    async down(db: Kysely<unknown>) {
      const drop = db.schema.dropIndex('jwtgate_users_role_idx');
      await (db.getExecutor().adapter instanceof MysqlAdapter ? drop.on('jwtgate_users') : drop).execute();
    },
  },
  /**
   * What an RP-Initiated Logout at the provider needs of a session that began
   * with a provider sign-in: the provider's name and its id token (sealed),
   * for `id_token_hint`. One row per session, deleted when the session logs
   * out; `expires_at` (the session's end) bounds it otherwise.
   */
  '0021_provider_logout_hints': {
    async up(db: Kysely<unknown>) {
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_provider_logout_hints')
          .addColumn('session_id', 'varchar(32)', (c) => c.primaryKey())
          .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
          .addColumn('provider', 'varchar(64)', (c) => c.notNull())
          .addColumn('sealed_id_token', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull()),
      ).execute();
      // Deleting a user deletes its hints.
      await db.schema
        .createIndex('jwtgate_provider_logout_hints_user_idx')
        .on('jwtgate_provider_logout_hints')
        .column('user_id')
        .execute();
      await db.schema
        .createIndex('jwtgate_provider_logout_hints_expires_idx')
        .on('jwtgate_provider_logout_hints')
        .column('expires_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('jwtgate_provider_logout_hints').execute();
    },
  },
  /**
   * An invitation made at the command line has no administrator: `created_by`
   * becomes nullable. SQLite cannot drop a NOT NULL, so every database gets
   * the same rebuild (copy into a new table, swap, index again), which keeps
   * one code path; the table holds few rows.
   */
  '0022_invitations_created_by_nullable': {
    async up(db: Kysely<unknown>) {
      await rebuildInvitations(db, false);
    },
    async down(db: Kysely<unknown>) {
      await sql`delete from jwtgate_invitations where created_by is null`.execute(db);
      await rebuildInvitations(db, true);
    },
  },
  /** A login paused for its second factor carries the provider sign-in's sealed logout hint to its session. */
  '0023_login_challenges_provider_hint': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('jwtgate_login_challenges').addColumn('provider_hint', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('jwtgate_login_challenges').dropColumn('provider_hint').execute();
    },
  },
  /**
   * Back-channel logout: the provider session (`sid`) and user (`sub`) of
   * each jwtgate session begun at a provider that can end it, and the logout
   * tokens already accepted, so none is accepted twice.
   */
  '0024_backchannel_logout': {
    async up(db: Kysely<unknown>) {
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_provider_sessions')
          .addColumn('session_id', 'varchar(32)', (c) => c.primaryKey())
          .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
          .addColumn('provider', 'varchar(64)', (c) => c.notNull())
          .addColumn('subject', 'varchar(255)', (c) => c.notNull())
          .addColumn('provider_sid', 'varchar(255)')
          .addColumn('expires_at', 'bigint', (c) => c.notNull()),
      ).execute();
      await db.schema
        .createIndex('jwtgate_provider_sessions_sid_idx')
        .on('jwtgate_provider_sessions')
        .columns(['provider', 'provider_sid'])
        .execute();
      await db.schema
        .createIndex('jwtgate_provider_sessions_subject_idx')
        .on('jwtgate_provider_sessions')
        .columns(['provider', 'subject'])
        .execute();
      // Deleting a user deletes its rows; ended sessions' rows are swept.
      await db.schema
        .createIndex('jwtgate_provider_sessions_user_idx')
        .on('jwtgate_provider_sessions')
        .column('user_id')
        .execute();
      await db.schema
        .createIndex('jwtgate_provider_sessions_expires_idx')
        .on('jwtgate_provider_sessions')
        .column('expires_at')
        .execute();
      await exactStrings(
        db,
        db.schema
          .createTable('jwtgate_logout_tokens')
          .addColumn('token_key', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('expires_at', 'bigint', (c) => c.notNull()),
      ).execute();
      await db.schema
        .createIndex('jwtgate_logout_tokens_expires_idx')
        .on('jwtgate_logout_tokens')
        .column('expires_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('jwtgate_logout_tokens').execute();
      await db.schema.dropTable('jwtgate_provider_sessions').execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** The names of every migration this version knows, oldest first. */
export const knownMigrations: readonly string[] = Object.keys(migrations).sort();

/**
 * The migrator over jwtgate's own migration tables; `migrateToLatest` is what
 * start-up and `jwtgate migrate` run, the rest is for tests and operators.
 *
 * @example
 * await createMigrator(db).migrateTo('0001_users_and_sessions');
 */
export function createMigrator(db: Kysely<JwtgateDatabase>): Migrator {
  return new Migrator({
    db,
    provider,
    migrationTableName: 'jwtgate_migration',
    migrationLockTableName: 'jwtgate_migration_lock',
  });
}

/**
 * Brings the schema up to date. Safe to run from several instances at once:
 * on PostgreSQL and MySQL Kysely takes a lock row first; on SQLite, where it
 * takes none, a process that lost the race to another one (its transaction
 * rolled back whole) simply tries again and finds the work done. Throws if a
 * migration fails (nothing half-applied where the dialect has transactional
 * DDL: SQLite, PostgreSQL).
 *
 * @example
 * const applied = await migrateToLatest(db); // ['0001_users_and_sessions', …] the first time, then []
 */
export async function migrateToLatest(db: Kysely<JwtgateDatabase>): Promise<readonly string[]> {
  const retries = db.getExecutor().adapter instanceof SqliteAdapter ? 5 : 0;
  const applied: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const { error, results } = await createMigrator(db).migrateToLatest();
    applied.push(...(results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName));
    if (error === undefined) return applied;
    if (attempt >= retries) {
      throw new Error(`database migration failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
  }
}

/** A trivial query, for readiness checks. */
export async function pingDatabase(db: Kysely<JwtgateDatabase>): Promise<void> {
  await sql`select 1`.execute(db);
}
