import { toPublicUser, type UserRecord } from '@jwtgate/core';
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
