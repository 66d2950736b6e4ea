import { AuthError, listUsers, USER_LIST_MAX_LIMIT } from '@jwtgate/core';
import { adminUserFilter } from '../http/admin-user-filter.js';
import { listedUserView } from '../http/admin-user-view.js';
import type { AdminRuntime } from './admin-runtime.js';
import { type CommandOutput, print, userTable } from './cli-output.js';
import { UsageError } from './command-line.js';

/** What `jwtgate user list` is asked. */
export interface UserListInput {
  readonly search?: string | undefined;
  readonly searchEmail: boolean;
  readonly role?: string | undefined;
  readonly disabled?: boolean | undefined;
  readonly limit?: string | undefined;
  readonly after?: string | undefined;
}

/**
 * A number of users per page from the command line, 1 to 100; 20 when absent.
 *
 * @example
 * pageLimit('50', 100); // 50
 */
export function pageLimit(text: string | undefined, max: number, fallback = 20): number {
  if (text === undefined) return fallback;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > max) throw new UsageError(`--limit must be 1 to ${max}`);
  return limit;
}

/**
 * `jwtgate user list`: a page of users in username order, through the same
 * listing as `GET /admin/users` (prefix search on usernames or addresses,
 * role and state filters, keyset pages), in its shape: each user with
 * `secondFactor`. Prints `nextCursor`, to pass as `--after` for the next page.
 */
export async function userListCommand(runtime: AdminRuntime, input: UserListInput, out: CommandOutput): Promise<void> {
  const limit = pageLimit(input.limit, USER_LIST_MAX_LIMIT);
  if (input.searchEmail && input.search === undefined) {
    throw new AuthError('ERR_VALIDATION', { message: '--email needs a prefix to search for (--search)' });
  }
  const filter = adminUserFilter(
    {
      ...(input.role === undefined ? {} : { role: input.role }),
      ...(input.disabled === undefined ? {} : { disabled: input.disabled }),
    },
    runtime.secondFactors,
  );
  const page =
    filter === null
      ? { users: [], nextCursor: null }
      : await listUsers(runtime, {
          limit,
          filter,
          ...(input.search === undefined ? {} : { search: input.search }),
          searchIn: input.searchEmail ? 'email' : 'username',
          ...(input.after === undefined ? {} : { cursor: input.after }),
        });
  const views = await Promise.all(page.users.map((user) => listedUserView(user, runtime.secondFactors)));
  print(out, { users: views, nextCursor: page.nextCursor }, () => {
    const more = page.nextCursor === null ? '' : `\nmore: jwtgate user list ... --after ${page.nextCursor}\n`;
    const rows = page.users.map((user, i) => ({ user, secondFactor: views[i]?.secondFactor === true }));
    return `${userTable(rows)}${more}`;
  });
}
