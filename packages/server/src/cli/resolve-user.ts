import { AuthError, normaliseUsername, type UserRecord, type UserStore } from '@jwtgate/core';

/**
 * The user a command names, by id or by username (any case, as logins
 * compare them). A word that is one user's id and another's username is
 * refused as ambiguous rather than guessed; nobody: `ERR_USER_NOT_FOUND`.
 *
 * @example
 * const user = await resolveUser(runtime.users, 'alice');
 */
export async function resolveUser(
  users: Pick<UserStore, 'findById' | 'findByUsernameKey'>,
  word: string,
): Promise<UserRecord> {
  let key: string | undefined;
  try {
    key = normaliseUsername(word).key;
  } catch {
    key = undefined;
  }
  const [byId, byName] = await Promise.all([
    users.findById(word),
    key === undefined ? null : users.findByUsernameKey(key),
  ]);
  if (byId !== null && byName !== null && byId.id !== byName.id) {
    throw new AuthError('ERR_VALIDATION', {
      reason: 'ambiguous-user',
      message: "This is one user's id and another user's username: name the user by the id of the one you mean",
    });
  }
  const user = byId ?? byName;
  if (user === null) throw new AuthError('ERR_USER_NOT_FOUND');
  return user;
}
