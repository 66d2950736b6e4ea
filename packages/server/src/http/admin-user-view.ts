import { toPublicUser, type UserRecord } from '@jwtgate/core';
import { hasSecondFactor } from './admin-user-filter.js';
import type { SecondFactorSources } from './mfa-login.js';
import { withMetadata } from './schemas.js';

/**
 * A user as the administration API (and `jwtgate user ... --json`) shows
 * them: the public fields, whether they are disabled, when they last
 * changed, and their metadata.
 *
 * @example
 * return { user: adminUserView(user), revokedSessions };
 */
export function adminUserView(user: UserRecord) {
  return withMetadata(
    { ...toPublicUser(user), disabled: user.disabled, updatedAt: new Date(user.updatedAt).toISOString() },
    user,
  );
}

/**
 * A user as the administration API's list (`GET /admin/users`, and
 * `jwtgate user list --json`) shows them: {@link adminUserView} and whether
 * they have a second factor (`false` for everyone while second factors are
 * off).
 *
 * @example
 * const users = await Promise.all(page.users.map((user) => listedUserView(user, deps.mfa)));
 */
export async function listedUserView(user: UserRecord, mfa: SecondFactorSources | undefined) {
  return { ...adminUserView(user), secondFactor: await hasSecondFactor(mfa, user.id) };
}
