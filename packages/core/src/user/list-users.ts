import { AuthError } from '../errors/auth-error.js';
import { decodeUserCursor, encodeUserCursor } from './user-cursor.js';
import type { UserRecord } from './user-record.js';
import { USER_LIST_MAX_LIMIT, type UserStore } from './user-store.js';
import { normaliseUsername } from './username.js';

/** A page of {@link listUsers}. */
export interface UserPage {
  readonly users: readonly UserRecord[];
  /** Continues the listing after this page; `null` on the last page. */
  readonly nextCursor: string | null;
}

/** What {@link listUsers} is asked. */
export interface ListUsersInput {
  /** The start of a username, in any case or Unicode form; empty or absent lists everyone. */
  readonly search?: string;
  /** 1 to 100. */
  readonly limit: number;
  /** From a previous page's `nextCursor`. */
  readonly cursor?: string;
}

/**
 * Lists users page by page in username order, optionally only those whose
 * name starts with `search` (compared as usernames are: case-folded and
 * NFKC-normalised, so `ALI` finds `alice`). Pages follow keys, not offsets:
 * a user added or removed meanwhile shifts nothing, and no page costs more
 * than its own rows. A search that no username could start with (whitespace,
 * control characters) finds nobody. Throws `ERR_INVALID_CURSOR` for a cursor
 * this server did not hand out.
 *
 * @example
 * const first = await listUsers({ users }, { search: 'ali', limit: 20 });
 * const second = await listUsers({ users }, { search: 'ali', limit: 20, cursor: first.nextCursor ?? undefined });
 */
export async function listUsers(
  deps: { readonly users: Pick<UserStore, 'list'> },
  input: ListUsersInput,
): Promise<UserPage> {
  if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > USER_LIST_MAX_LIMIT) {
    throw new AuthError('ERR_VALIDATION', { message: `limit must be 1 to ${USER_LIST_MAX_LIMIT}` });
  }
  const afterKey = input.cursor === undefined ? undefined : decodeUserCursor(input.cursor);
  let prefix: string | undefined;
  if (input.search !== undefined && input.search !== '') {
    try {
      prefix = normaliseUsername(input.search).key;
    } catch {
      return { users: [], nextCursor: null };
    }
  }
  const page = await deps.users.list({
    limit: input.limit,
    ...(prefix === undefined ? {} : { prefix }),
    ...(afterKey === undefined ? {} : { afterKey }),
  });
  const last = page.users.at(-1);
  return { users: page.users, nextCursor: page.more && last !== undefined ? encodeUserCursor(last.usernameKey) : null };
}
