import { readImportRow, type UserRecord } from '@jwtgate/core';
import type { Kysely } from 'kysely';
import { parseImportedHash } from '../passwords/imported-hashes.js';
import type { JwtgateDatabase } from '../stores/sql/schema.js';
import { type ImportMode, importUserBatch } from '../stores/sql/sql-user-import.js';
import type { ImportProgress } from './import-progress.js';
import type { ImportSource } from './import-source.js';
import { type FirebaseScryptParams, firebaseHash, keycloakHash } from './source-hashes.js';

/** A row that was not imported, and why (never with its values). */
export interface RejectedRow {
  /** The line (files) or row (tables) number. */
  readonly line: number;
  readonly id?: string;
  readonly reason: string;
}

/** What {@link importUsers} did. */
export interface ImportSummary {
  readonly read: number;
  readonly inserted: number;
  readonly updated: number;
  readonly skipped: number;
  readonly rejected: number;
}

/** Options of {@link importUsers}. */
export interface ImportUsersOptions {
  readonly db: Kysely<JwtgateDatabase>;
  readonly source: ImportSource;
  /** `skip` (the default) leaves users whose id is stored as they are; `update` overwrites them from the source. */
  readonly mode?: ImportMode;
  /** Users per transaction; 1000 by default. */
  readonly batchSize?: number;
  /** Check every row and write nothing. */
  readonly dryRun?: boolean;
  /** Rows carry Firebase's `passwordHash` and `salt`, verified with these project parameters. */
  readonly firebase?: FirebaseScryptParams;
  readonly progress?: ImportProgress;
  readonly onRejected: (row: RejectedRow) => void;
  readonly now: () => number;
}

const isKnownHash = (hash: string) => parseImportedHash(hash) !== null;

/**
 * Imports users with the password hashes they have, streaming: rows are read
 * as batches are written, so memory stays bounded by one batch however long
 * the source. Each batch is one transaction (see `importUserBatch`), so an
 * interrupted import leaves whole batches and nothing half-written, and
 * running it again finishes the job: users already stored are skipped (or,
 * with `update`, brought up to date). A row that cannot be imported is
 * reported with its line number and reason, never its values, and the rest
 * goes on; an id or username that a row repeats within its batch is
 * refused there.
 *
 * @example
 * const summary = await importUsers({ db, source: openJsonLinesSource('users.jsonl'), onRejected: console.error, now: Date.now });
 */
export async function importUsers(options: ImportUsersOptions): Promise<ImportSummary> {
  const { source, mode = 'skip', batchSize = 1000 } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new RangeError('batch size must be an integer from 1 to 10000');
  }
  let read = 0;
  let inserted = 0;
  let updated = 0;
  let skipped = 0;
  let rejected = 0;
  const reject = (row: RejectedRow) => {
    rejected += 1;
    options.onRejected(row);
  };
  let batch: { line: number; user: UserRecord }[] = [];
  const ids = new Map<string, number>();
  const keys = new Map<string, number>();
  const emails = new Map<string, number>();

  const flush = async () => {
    if (batch.length === 0) return;
    const lines = new Map(batch.map(({ line, user }) => [user, line]));
    if (!options.dryRun) {
      const result = await importUserBatch(
        options.db,
        batch.map((entry) => entry.user),
        mode,
      );
      inserted += result.inserted.length;
      updated += result.updated.length;
      skipped += result.skipped.length;
      for (const { user, reason } of result.refused) reject({ line: lines.get(user) ?? 0, id: user.id, reason });
    }
    batch = [];
    ids.clear();
    keys.clear();
    emails.clear();
    options.progress?.update(read, source.progress());
  };

  try {
    for await (const row of source.rows) {
      read += 1;
      if ('error' in row) {
        reject({ line: row.line, reason: row.error });
        continue;
      }
      let fields = row.fields;
      const hash = fields.password_hash ?? fields.passwordHash;
      if (options.firebase !== undefined) {
        const stored = firebaseHash(fields, options.firebase);
        fields = { ...fields, password_hash: stored ?? undefined, passwordHash: undefined };
      } else if (hash !== null && typeof hash === 'object') {
        fields = { ...fields, password_hash: keycloakHash(hash) ?? undefined, passwordHash: undefined };
      }
      const verdict = readImportRow(fields, { isKnownHash, now: options.now() });
      if (!verdict.ok) {
        const id = fields.id;
        reject({
          line: row.line,
          ...(typeof id === 'string' || typeof id === 'number' ? { id: String(id) } : {}),
          reason: verdict.reason,
        });
        continue;
      }
      const { user } = verdict;
      const sameId = ids.get(user.id);
      const sameKey = keys.get(user.usernameKey);
      const sameEmail = user.emailKey == null ? undefined : emails.get(user.emailKey);
      if (sameId !== undefined || sameKey !== undefined || sameEmail !== undefined) {
        reject({
          line: row.line,
          id: user.id,
          reason:
            sameId !== undefined
              ? `id: repeats line ${sameId}`
              : sameKey !== undefined
                ? `username: repeats line ${sameKey} (names differing only in case or Unicode form are one)`
                : `email: repeats line ${sameEmail}`,
        });
        continue;
      }
      ids.set(user.id, row.line);
      keys.set(user.usernameKey, row.line);
      if (user.emailKey != null) emails.set(user.emailKey, row.line);
      batch.push({ line: row.line, user });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await source.close();
  }
  options.progress?.finish(read);
  return { read, inserted, updated, skipped, rejected };
}
