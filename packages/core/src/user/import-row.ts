import { isAuthError } from '../errors/auth-error.js';
import { type NormalisedEmail, normaliseNewEmail } from './email.js';
import { DEFAULT_ROLE, isValidRole } from './role.js';
import type { UserRecord } from './user-record.js';
import { normaliseNewUsername } from './username.js';

/** The longest user id the stores keep. */
export const USER_ID_MAX_LENGTH = 36;

/** What {@link readImportRow} makes of one source row. */
export type ImportRowVerdict =
  | { readonly ok: true; readonly user: UserRecord }
  | { readonly ok: false; readonly reason: string };

/** What {@link readImportRow} needs besides the row. */
export interface ImportRowOptions {
  /** Whether a password hash is in a format the server can verify (it never sees a password here). */
  readonly isKnownHash: (hash: string) => boolean;
  /** Milliseconds since the epoch: `updatedAt`, and `createdAt` when the row has none. */
  readonly now: number;
}

/** The first of several spellings of a field that the row has. */
function field(row: Readonly<Record<string, unknown>>, ...names: string[]): unknown {
  for (const name of names) {
    const value = row[name];
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return undefined;
}

const ID_TEXT = /^[\x21-\x7e]+$/;
/** `2024-01-02`, `2024-01-02T03:04:05.678Z`, `2024-01-02 03:04:05+02:00` (MySQL's DATETIME text). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;
/** Below this a number counts as seconds, above as milliseconds (1e11 s is the year 5138). */
const SECONDS_BELOW = 1e11;

function readId(value: unknown): string | null {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : null;
  if (typeof value !== 'string') return null;
  return value.length <= USER_ID_MAX_LENGTH && ID_TEXT.test(value) ? value : null;
}

function readTime(value: unknown): number | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string' && /^\d{1,16}$/.test(value)) n = Number(value);
  if (n !== undefined) {
    if (!Number.isFinite(n) || n < 0) return null;
    return Math.round(n < SECONDS_BELOW ? n * 1000 : n);
  }
  if (typeof value !== 'string' || !ISO_TIME.test(value)) return null;
  // A time without a zone (MySQL DATETIME) is read as UTC.
  const text = /(?:Z|[+-]\d{2}:?\d{2})$/.test(value) || value.length === 10 ? value : `${value.replace(' ', 'T')}Z`;
  const ms = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(ms) ? null : ms;
}

function readFlag(value: unknown): boolean | null {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['true', '1', 'yes', 't', 'y'].includes(v)) return true;
    if (['false', '0', 'no', 'f', 'n'].includes(v)) return false;
  }
  return null;
}

/**
 * Turns one row of a user import (fields `id`, `username`, `email`,
 * `email_verified`, `role`, `created_at`, `password_hash`, `disabled`;
 * camelCase spellings too) into
 * the user to store, or says why not. The id is kept as the source had it: a
 * safe integer or bigint as its decimal text, a string as it is (printable
 * ASCII, at most {@link USER_ID_MAX_LENGTH} characters). The username is
 * normalised as at registration; the role defaults to `user`; `created_at`
 * is ISO 8601 (UTC when it names no zone) or a number of seconds (below
 * 10^11) or milliseconds; `disabled` is a boolean, 0/1 or yes/no. Reasons
 * name the field, never its value, so a report cannot leak a hash.
 *
 * @example
 * readImportRow({ id: 42, username: 'alice', password_hash: '$2a$10$…' }, { isKnownHash, now });
 * // { ok: true, user: { id: '42', username: 'alice', … } }
 */
export function readImportRow(row: Readonly<Record<string, unknown>>, options: ImportRowOptions): ImportRowVerdict {
  const rawId = field(row, 'id', 'user_id', 'userId');
  if (rawId === undefined) return { ok: false, reason: 'id: missing' };
  const id = readId(rawId);
  if (id === null) {
    return {
      ok: false,
      reason:
        typeof rawId === 'number'
          ? 'id: a number beyond 2^53 cannot be read exactly; write it as a string'
          : `id: expected an integer or up to ${USER_ID_MAX_LENGTH} printable ASCII characters`,
    };
  }
  const rawName = field(row, 'username', 'user_name', 'name');
  if (typeof rawName !== 'string') return { ok: false, reason: 'username: missing' };
  let username: { username: string; key: string };
  try {
    username = normaliseNewUsername(rawName);
  } catch (error) {
    if (isAuthError(error, 'ERR_INVALID_USERNAME') && error.reason === 'mixed-scripts') {
      return { ok: false, reason: 'username: mixes scripts (such as Latin with Cyrillic), so it looks like another' };
    }
    if (isAuthError(error)) return { ok: false, reason: 'username: not a valid username' };
    throw error;
  }
  const role = field(row, 'role') ?? DEFAULT_ROLE;
  if (typeof role !== 'string' || !isValidRole(role)) return { ok: false, reason: 'role: not a valid role' };
  let email: NormalisedEmail | null = null;
  const rawEmail = field(row, 'email');
  if (rawEmail !== undefined) {
    try {
      email = normaliseNewEmail(rawEmail);
    } catch (error) {
      if (isAuthError(error)) return { ok: false, reason: 'email: not a valid email address' };
      throw error;
    }
  }
  const emailVerified = readFlag(field(row, 'email_verified', 'emailVerified'));
  if (emailVerified === null) return { ok: false, reason: 'email_verified: expected true or false' };
  const hash = field(row, 'password_hash', 'passwordHash', 'password');
  if (typeof hash !== 'string') return { ok: false, reason: 'password_hash: missing' };
  if (!options.isKnownHash(hash)) {
    return { ok: false, reason: 'password_hash: not a supported hash format, or its cost is beyond the limits' };
  }
  const rawCreated = field(row, 'created_at', 'createdAt', 'create_time', 'created');
  const createdAt = rawCreated === undefined ? options.now : readTime(rawCreated);
  if (createdAt === null) return { ok: false, reason: 'created_at: not an ISO 8601 time or a number of seconds' };
  const disabled = readFlag(field(row, 'disabled'));
  if (disabled === null) return { ok: false, reason: 'disabled: expected true or false' };
  return {
    ok: true,
    user: {
      id,
      username: username.username,
      usernameKey: username.key,
      passwordHash: hash,
      role,
      disabled,
      credentialVersion: 0,
      createdAt,
      updatedAt: options.now,
      email: email?.email ?? null,
      emailKey: email?.key ?? null,
      // Verified only when the source says so: it vouches for the address, this import cannot.
      emailVerifiedAt: email !== null && emailVerified ? options.now : null,
    },
  };
}
