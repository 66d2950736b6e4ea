import { createWriteStream, type WriteStream } from 'node:fs';
import { extname } from 'node:path';
import type { JwtgateConfig } from '../config/config.js';
import { openCsvSource } from '../import/csv-source.js';
import { createImportProgress } from '../import/import-progress.js';
import type { ImportSource } from '../import/import-source.js';
import { type ImportSummary, importUsers, type RejectedRow } from '../import/import-users.js';
import { openJsonLinesSource } from '../import/jsonl-source.js';
import { openMysqlSource, parseColumnMap } from '../import/mysql-source.js';
import type { FirebaseScryptParams } from '../import/source-hashes.js';
import { migrateDatabase } from '../stores/sql/migrate-database.js';
import { openSqlDatabase } from '../stores/sql/open-database.js';

/** What `jwtgate user import` was asked. */
export interface UserImportInput {
  readonly file: string | undefined;
  readonly format: string | undefined;
  readonly fromMysql: string | undefined;
  readonly table: string | undefined;
  readonly map: string | undefined;
  readonly update: boolean;
  readonly dryRun: boolean;
  readonly batchSize: string | undefined;
  readonly rejects: string | undefined;
  readonly firebase: {
    readonly signerKey: string | undefined;
    readonly saltSeparator: string | undefined;
    readonly rounds: string | undefined;
    readonly memCost: string | undefined;
  };
}

/** Rejected rows printed on standard error before the rest only go to `--rejects`. */
const PRINTED_REJECTS = 20;

/** A refusal of the command line, before anything is read or written. */
export class ImportUsageError extends Error {}

function readFirebase(input: UserImportInput['firebase']): FirebaseScryptParams | undefined {
  const given = Object.values(input).filter((v) => v !== undefined).length;
  if (given === 0) return undefined;
  if (given !== 4) {
    throw new ImportUsageError(
      'Firebase hashes need all of --firebase-signer-key, --firebase-salt-separator, --firebase-rounds and --firebase-mem-cost',
    );
  }
  const rounds = Number(input.rounds);
  const memCost = Number(input.memCost);
  if (
    !Number.isInteger(rounds) ||
    rounds < 1 ||
    rounds > 99 ||
    !Number.isInteger(memCost) ||
    memCost < 1 ||
    memCost > 24
  ) {
    throw new ImportUsageError(
      '--firebase-rounds and --firebase-mem-cost must be the integers Firebase shows (e.g. 8 and 14)',
    );
  }
  return {
    signerKey: input.signerKey as string,
    saltSeparator: input.saltSeparator as string,
    rounds,
    memCost,
  };
}

async function openSource(input: UserImportInput): Promise<ImportSource> {
  if (input.fromMysql !== undefined) {
    if (input.file !== undefined) throw new ImportUsageError('give a file or --from-mysql, not both');
    if (input.table === undefined) throw new ImportUsageError('--from-mysql needs --table <name>');
    let map: ReturnType<typeof parseColumnMap>;
    try {
      map = parseColumnMap(input.map ?? 'id=id,username=username,password=password');
    } catch (error) {
      throw new ImportUsageError((error as Error).message);
    }
    return openMysqlSource({ url: input.fromMysql, table: input.table, map });
  }
  if (input.file === undefined) throw new ImportUsageError('name a file (.jsonl or .csv) or --from-mysql <url>');
  const format = input.format ?? (extname(input.file).toLowerCase() === '.csv' ? 'csv' : 'jsonl');
  if (format === 'csv') return openCsvSource(input.file);
  if (format === 'jsonl' || format === 'ndjson') return openJsonLinesSource(input.file);
  throw new ImportUsageError(`--format: "${format}" is not jsonl or csv`);
}

/**
 * `jwtgate user import <file> | --from-mysql <url> --table <t> [--map …]`:
 * imports users with their password hashes (see `importUsers`). Prints a
 * JSON summary on standard output, progress and rejected rows on standard
 * error (all of them with `--rejects <file>`, as JSON Lines), and fails when
 * any row was rejected, after importing the others.
 */
export async function userImportCommand(config: JwtgateConfig, input: UserImportInput): Promise<ImportSummary> {
  const firebase = readFirebase(input.firebase);
  const batchSize = input.batchSize === undefined ? 1000 : Number(input.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new ImportUsageError('--batch-size must be an integer from 1 to 10000');
  }
  const source = await openSource(input);
  let rejectsFile: WriteStream | undefined;
  const database = openSqlDatabase({
    url: config.database.url,
    timeoutMs: config.database.timeoutMs,
    poolSize: 1,
    statementTimeoutMs: 60_000,
  });
  let printed = 0;
  let summary: ImportSummary;
  try {
    if (!input.dryRun) await migrateDatabase(config.database, database);
    rejectsFile = input.rejects === undefined ? undefined : createWriteStream(input.rejects, { mode: 0o600 });
    const unit = source.unit;
    summary = await importUsers({
      db: database.db,
      source,
      mode: input.update ? 'update' : 'skip',
      batchSize,
      dryRun: input.dryRun,
      ...(firebase === undefined ? {} : { firebase }),
      progress: createImportProgress(process.stderr, Date.now),
      now: Date.now,
      onRejected(row: RejectedRow) {
        rejectsFile?.write(`${JSON.stringify(row)}\n`);
        if (printed++ < PRINTED_REJECTS) {
          process.stderr.write(`${unit} ${row.line}${row.id === undefined ? '' : ` (id ${row.id})`}: ${row.reason}\n`);
        }
      },
    });
  } finally {
    await database.close();
    if (rejectsFile !== undefined) await new Promise((resolve) => rejectsFile?.end(resolve));
  }
  if (printed > PRINTED_REJECTS) {
    process.stderr.write(
      `… ${printed - PRINTED_REJECTS} more rejected rows${input.rejects === undefined ? ' (list them all with --rejects <file>)' : ` in ${input.rejects}`}\n`,
    );
  }
  process.stdout.write(`${JSON.stringify({ ...summary, dryRun: input.dryRun })}\n`);
  return summary;
}
