import { describe, expect, it } from 'vitest';
import { listUsers, USER_SCAN_MAX } from './list-users.js';
import type { UserRecord } from './user-record.js';
import type { UserListQuery } from './user-store.js';

/** A user list in key order, read the way every store's `list` reads (keys after `afterKey`, `limit` at most). */
function storeOf(count: number) {
  const users = Array.from({ length: count }, (_, index) => {
    const key = `u${String(index).padStart(5, '0')}`;
    return { id: key, username: key, usernameKey: key, role: index % 7 === 0 ? 'admin' : 'user' } as UserRecord;
  });
  const reads: number[] = [];
  return {
    reads,
    list: async (query: UserListQuery) => {
      const after = users.filter(
        (user) =>
          (query.afterKey === undefined || user.usernameKey > query.afterKey) &&
          (query.prefix === undefined || user.usernameKey.startsWith(query.prefix)),
      );
      reads.push(Math.min(query.limit, after.length));
      return { users: after.slice(0, query.limit), more: after.length > query.limit };
    },
  };
}

const admins = (page: readonly UserRecord[]) => page.map((user) => user.role === 'admin');

describe('listUsers with a filter', () => {
  it('pages through the kept users only, none repeated or skipped', async () => {
    const users = storeOf(250);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await listUsers(
        { users },
        { limit: 7, filter: admins, ...(cursor === undefined ? {} : { cursor }) },
      );
      expect(page.users.length).toBeLessThanOrEqual(7);
      seen.push(...page.users.map((user) => user.username));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    const expected = Array.from({ length: 250 }, (_, index) => index)
      .filter((index) => index % 7 === 0)
      .map((index) => `u${String(index).padStart(5, '0')}`);
    expect(seen).toEqual(expected);
  });

  it('stops after reading the scan limit and hands a cursor to go on from there', async () => {
    const users = storeOf(USER_SCAN_MAX * 2 + 10);
    const last = `u${String(USER_SCAN_MAX * 2 + 5).padStart(5, '0')}`;
    const onlyLast = (page: readonly UserRecord[]) => page.map((user) => user.username === last);
    const first = await listUsers({ users }, { limit: 5, filter: onlyLast });
    expect(first.users).toEqual([]);
    expect(first.nextCursor).not.toBeNull();
    expect(users.reads.reduce((sum, read) => sum + read, 0)).toBe(USER_SCAN_MAX);
    const second = await listUsers({ users }, { limit: 5, filter: onlyLast, cursor: first.nextCursor as string });
    expect(second.users).toEqual([]);
    const third = await listUsers({ users }, { limit: 5, filter: onlyLast, cursor: second.nextCursor as string });
    expect(third.users.map((user) => user.username)).toEqual([last]);
    expect(third.nextCursor).toBeNull();
  });

  it('says there is more when the page filled up exactly at the end of a store page', async () => {
    const users = storeOf(30);
    const page = await listUsers({ users }, { limit: 1, filter: (all) => all.map(() => true) });
    expect(page.users).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    const everyone = await listUsers({ users }, { limit: 30, filter: (all) => all.map(() => true) });
    expect(everyone.nextCursor).toBeNull();
  });
});
