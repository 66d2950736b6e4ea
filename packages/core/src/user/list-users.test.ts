import { describe, expect, it } from 'vitest';
import { listUsers } from './list-users.js';
import type { UserRecord } from './user-record.js';
import type { UserListQuery } from './user-store.js';

/** A store that records what it is asked and answers a page of `count` users and whether `more` follow. */
function storeAnswering(count: number, more: boolean) {
  const asked: UserListQuery[] = [];
  const users = Array.from({ length: count }, (_, index) => ({ usernameKey: `u${index}` }) as UserRecord);
  const list = async (query: UserListQuery) => {
    asked.push(query);
    return { users, more };
  };
  return { asked, list };
}

describe('listUsers', () => {
  it('hands the search and every criterion to the store in one query, and the last key on as the cursor', async () => {
    const users = storeAnswering(2, true);
    const page = await listUsers(
      { users },
      { search: 'ÁLI', limit: 2, filter: { role: 'admin', disabled: false, emailVerified: true, secondFactor: false } },
    );
    expect(users.asked).toEqual([
      { role: 'admin', disabled: false, emailVerified: true, secondFactor: false, limit: 2, prefix: 'áli' },
    ]);
    const next = await listUsers({ users }, { limit: 2, cursor: page.nextCursor as string, filter: { role: 'admin' } });
    expect(users.asked[1]).toEqual({ role: 'admin', limit: 2, afterKey: 'u1' });
    expect(next.nextCursor).not.toBeNull();
  });

  it('searches the start of an email address case-folded, and ends on the last page', async () => {
    const users = storeAnswering(1, false);
    const page = await listUsers({ users }, { search: ' Zoë@EX', searchIn: 'email', limit: 5 });
    expect(users.asked).toEqual([{ limit: 5, emailPrefix: 'zoë@ex' }]);
    expect(page.nextCursor).toBeNull();
  });

  it('finds nobody for a search no username could start with, without asking the store', async () => {
    const users = storeAnswering(1, false);
    expect(await listUsers({ users }, { search: ' \u0000', limit: 5 })).toEqual({ users: [], nextCursor: null });
    expect(users.asked).toEqual([]);
  });
});
