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

/**
 * Keeps only the users it accepts, for listings narrowed by what the store
 * cannot select (role, state, second factor, email address): given a page
 * of users, answers whether to keep each, in the same order.
 */
export type UserFilter = (users: readonly UserRecord[]) => Promise<readonly boolean[]> | readonly boolean[];

/**
 * The most users one filtered page reads before it answers with what it
 * found so far (and a cursor to go on): a rare match among many users costs
 * several requests, never one unbounded one.
 */
export const USER_SCAN_MAX = 1000;

/** What {@link listUsers} is asked. */
export interface ListUsersInput {
  /** The start of a username, in any case or Unicode form; empty or absent lists everyone. */
  readonly search?: string;
  /** 1 to 100. */
  readonly limit: number;
  /** From a previous page's `nextCursor`. */
  readonly cursor?: string;
  /** Only the users this keeps; a filtered page may hold fewer than `limit` users and still have a `nextCursor`. */
  readonly filter?: UserFilter;
}

/**
 * Lists users page by page in username order, optionally only those whose
 * name starts with `search` (compared as usernames are: case-folded and
 * NFKC-normalised, so `ALI` finds `alice`). Pages follow keys, not offsets:
 * a user added or removed meanwhile shifts nothing, and no page costs more
 * than its own rows. A search that no username could start with (whitespace,
 * control characters) finds nobody. Throws `ERR_INVALID_CURSOR` for a cursor
 * this server did not hand out. With a `filter`, a page reads on until it
 * holds `limit` kept users or has read {@link USER_SCAN_MAX}, so a page may
 * be short, even empty, and still not the last.
 *
 * @example
 * const first = await listUsers({ users }, { search: 'ali', limit: 20 });
 * const admins = await listUsers({ users }, { limit: 20, filter: (page) => page.map((u) => u.role === 'admin') });
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
  if (input.filter === undefined) {
    const page = await deps.users.list({
      limit: input.limit,
      ...(prefix === undefined ? {} : { prefix }),
      ...(afterKey === undefined ? {} : { afterKey }),
    });
    const last = page.users.at(-1);
    return {
      users: page.users,
      nextCursor: page.more && last !== undefined ? encodeUserCursor(last.usernameKey) : null,
    };
  }
  return filteredPage(deps.users, input.filter, input.limit, prefix, afterKey);
}

/**
 * Reads store pages from `afterKey` on until `limit` users pass `filter` or
 * {@link USER_SCAN_MAX} were read. The cursor points after the last user
 * looked at, kept or not, so the next page neither repeats nor skips anyone.
 */
async function filteredPage(
  users: Pick<UserStore, 'list'>,
  filter: UserFilter,
  limit: number,
  prefix: string | undefined,
  startKey: string | undefined,
): Promise<UserPage> {
  const kept: UserRecord[] = [];
  let afterKey = startKey;
  let scanned = 0;
  while (scanned < USER_SCAN_MAX) {
    const page = await users.list({
      limit: Math.min(USER_LIST_MAX_LIMIT, USER_SCAN_MAX - scanned),
      ...(prefix === undefined ? {} : { prefix }),
      ...(afterKey === undefined ? {} : { afterKey }),
    });
    const verdicts = await filter(page.users);
    for (const [index, user] of page.users.entries()) {
      scanned += 1;
      afterKey = user.usernameKey;
      if (verdicts[index] === true) kept.push(user);
      if (kept.length === limit) {
        const more = index < page.users.length - 1 || page.more;
        return { users: kept, nextCursor: more ? encodeUserCursor(user.usernameKey) : null };
      }
    }
    if (!page.more) return { users: kept, nextCursor: null };
  }
  return { users: kept, nextCursor: afterKey === undefined ? null : encodeUserCursor(afterKey) };
}
