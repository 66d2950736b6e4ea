import { AuthError } from '../errors/auth-error.js';

// The version prefix lets a later format be told apart from this one.
const PREFIX = 'k1:';
// A username key is at most 64 code points, a few times longer after case folding.
const MAX_CURSOR_LENGTH = 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The opaque cursor that continues a user listing after `usernameKey`.
 * Clients pass it back unchanged; its content is not part of the API.
 *
 * @example
 * const cursor = encodeUserCursor(page.users.at(-1).usernameKey);
 */
export function encodeUserCursor(usernameKey: string): string {
  return Buffer.from(`${PREFIX}${usernameKey}`, 'utf8').toString('base64url');
}

/**
 * The username key a cursor from {@link encodeUserCursor} continues after.
 * Throws `ERR_INVALID_CURSOR` for anything else: only the exact spelling
 * this server hands out decodes, so a cursor cannot smuggle odd bytes into a query.
 *
 * @example
 * decodeUserCursor(encodeUserCursor('alice')); // 'alice'
 */
export function decodeUserCursor(cursor: string): string {
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) {
    throw new AuthError('ERR_INVALID_CURSOR', { reason: 'encoding' });
  }
  const bytes = Buffer.from(cursor, 'base64url');
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new AuthError('ERR_INVALID_CURSOR', { reason: 'utf-8' });
  }
  if (
    !text.startsWith(PREFIX) ||
    text.length === PREFIX.length ||
    encodeUserCursor(text.slice(PREFIX.length)) !== cursor
  ) {
    throw new AuthError('ERR_INVALID_CURSOR', { reason: 'content' });
  }
  return text.slice(PREFIX.length);
}
