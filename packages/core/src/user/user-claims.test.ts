import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../session/session-record.js';
import { claimMappingProblems, claimsFromUserFields } from './user-claims.js';
import type { UserRecord } from './user-record.js';

const user = (id: string): UserRecord => ({
  id,
  username: 'alice',
  usernameKey: 'alice',
  passwordHash: '$argon2id$…',
  role: 'user',
  disabled: false,
  credentialVersion: 0,
  createdAt: 1_700_000_000_500,
  updatedAt: 1_700_000_000_500,
});
const session = {} as SessionRecord;

describe('claimsFromUserFields', () => {
  it('copies the configured user fields into the named claims', async () => {
    const hook = claimsFromUserFields({ userId: 'id', uid: 'id', name: 'username', r: 'role', since: 'createdAt' });
    expect(await hook({ user: user('42'), session })).toEqual({
      userId: 42,
      uid: 42,
      name: 'alice',
      r: 'user',
      since: 1_700_000_000,
    });
    expect((await hook({ user: user('1234567890123456789'), session })).userId).toBe('1234567890123456789');
  });

  it('refuses reserved claims and unknown fields at construction, naming each', () => {
    expect(claimMappingProblems({ userId: 'id' })).toEqual([]);
    const problems = claimMappingProblems({ sub: 'id', sid: 'id', uid: 'phone' });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('"sub" is a reserved claim');
    expect(problems[2]).toContain('"phone" (for claim "uid") is not a user field');
    for (const reserved of ['exp', 'iat', 'nbf', 'iss', 'aud', 'jti', 'typ', 'role', 'cnf']) {
      expect(claimMappingProblems({ [reserved]: 'id' })).toHaveLength(1);
    }
    expect(() => claimsFromUserFields({ exp: 'id' })).toThrow(TypeError);
    expect(() => claimsFromUserFields({ uid: 'password' })).toThrow(/not a user field/);
    expect(() => claimsFromUserFields({ uid: 'toString' })).toThrow(/not a user field/);
  });
});
