import { AuthError } from '../errors/auth-error.js';

/** Where a page of audit records ends: the time and id of its last (oldest) record. */
export interface AuditCursor {
  readonly at: number;
  readonly id: string;
}

const ID_PATTERN = /^[\w-]{1,64}$/;

/**
 * The opaque `nextCursor` of a page of audit records. It only says where to
 * resume, so it carries no filter and grants nothing: a forged one can only
 * start a page elsewhere in what the caller may read anyway.
 *
 * @example
 * const cursor = encodeAuditCursor({ at: 1767225600000, id: '0b7c…' });
 */
export function encodeAuditCursor(cursor: AuditCursor): string {
  return Buffer.from(`${cursor.at}.${cursor.id}`, 'utf8').toString('base64url');
}

/**
 * Reads a cursor made by {@link encodeAuditCursor}; anything else throws
 * `AuthError('ERR_INVALID_CURSOR')`.
 *
 * @example
 * const { at, id } = decodeAuditCursor(request.query.cursor);
 */
export function decodeAuditCursor(value: string): AuditCursor {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(value) ? Buffer.from(value, 'base64url').toString('utf8') : '';
  const dot = text.indexOf('.');
  const at = Number(text.slice(0, dot));
  const id = text.slice(dot + 1);
  if (dot < 1 || !Number.isSafeInteger(at) || at < 0 || !ID_PATTERN.test(id)) {
    throw new AuthError('ERR_INVALID_CURSOR');
  }
  return { at, id };
}
