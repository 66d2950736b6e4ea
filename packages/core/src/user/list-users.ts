import { AuthError } from '../errors/auth-error.js';
import { foldEmail } from './email.js';
import { decodeUserCursor, encodeUserCursor } from './user-cursor.js';
import type { UserRecord } from './user-record.js';
import { USER_LIST_MAX_LIMIT, type UserListFilter, type UserStore } from './user-store.js';
import { normaliseUsername } from './username.js';

/** A page of {@link listUsers}. */
export interface UserPage {
  readonly users: readonly UserRecord[];
  /** Continues the listing after this page; `null` on the last page. */
  readonly nextCursor: string | null;
}

/** What {@link listUsers} is asked. */
export interface ListUsersInput {
  /** The start of a username (or, with `searchIn: 'email'`, of an email address), in any case; empty or absent lists everyone. */
  readonly search?: string;
  /** What `search` is the start of: `username` when omitted. */
  readonly searchIn?: 'username' | 'email';
  /** 1 to 100. */
  readonly limit: number;
  /** From a previous page's `nextCursor`, asked with the same search and filter. */
  readonly cursor?: string;
  /** Only the users that match every criterion given (role, state, verified address, second factor). */
  readonly filter?: UserListFilter;
}

/**
 * Lists users page by page in username order, optionally only those whose
 * name (or email address) starts with `search`, compared as they are stored:
 * case-folded and, for usernames, NFKC-normalised, so `ALI` finds `alice`;
 * and only those that match `filter`. The store selects on every criterion
 * in the page's own query, so a page holds `limit` matches whenever there
 * are that many, however few users match among how many. Pages follow keys,
 * not offsets: a user added or removed meanwhile shifts nothing, and no page
 * costs more than its own rows. A username search that no username could
 * start with (whitespace, control characters) finds nobody. Throws
 * `ERR_INVALID_CURSOR` for a cursor this server did not hand out.
 *
 * @example
 * const first = await listUsers({ users }, { search: 'ali', limit: 20 });
 * const admins = await listUsers({ users }, { limit: 20, filter: { role: 'admin', disabled: false } });
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
  let emailPrefix: string | undefined;
  if (input.search !== undefined && input.search !== '') {
    if (input.searchIn === 'email') {
      emailPrefix = foldEmail(input.search);
    } else {
      try {
        prefix = normaliseUsername(input.search).key;
      } catch {
        return { users: [], nextCursor: null };
      }
    }
  }
  const page = await deps.users.list({
    ...input.filter,
    limit: input.limit,
    ...(prefix === undefined ? {} : { prefix }),
    ...(emailPrefix === undefined || emailPrefix === '' ? {} : { emailPrefix }),
    ...(afterKey === undefined ? {} : { afterKey }),
  });
  const last = page.users.at(-1);
  return {
    users: page.users,
    nextCursor: page.more && last !== undefined ? encodeUserCursor(last.usernameKey) : null,
  };
}
