import { foldEmail, type UserFilter, type UserRecord } from '@jwtgate/core';
import { enrolledFactors, type MfaRouteDeps } from './mfa-login.js';

/** What `GET /admin/users` may narrow a listing by, besides the username prefix the store selects on. */
export interface AdminUserQuery {
  readonly search?: string;
  /** `email`: `search` is the start of the address instead of the username. */
  readonly searchIn?: 'username' | 'email';
  readonly role?: string;
  readonly disabled?: boolean;
  /** Whether the account has a verified email address. */
  readonly verified?: boolean;
  /** Whether the account has a second factor (a confirmed authenticator app, a passkey). */
  readonly secondFactor?: boolean;
}

/**
 * Whether a user has a second factor: a confirmed authenticator app or a
 * passkey; `false` for everyone when second factors are off.
 *
 * @example
 * const listed = { ...view, secondFactor: await hasSecondFactor(deps.mfa, user.id) };
 */
export async function hasSecondFactor(mfa: MfaRouteDeps | undefined, userId: string): Promise<boolean> {
  if (mfa === undefined) return false;
  const { totp, passkeys } = await enrolledFactors(mfa, userId);
  return totp || passkeys > 0;
}

/**
 * The filter of an administrator's listing, or `undefined` when only the
 * username prefix (which the store selects on itself) narrows it. The second
 * factor is read per user, and only for users the cheaper criteria kept.
 *
 * @example
 * const filter = adminUserFilter({ role: 'admin', secondFactor: false }, deps.mfa);
 * const page = await listUsers(deps, { limit: 20, ...(filter === undefined ? {} : { filter }) });
 */
export function adminUserFilter(query: AdminUserQuery, mfa: MfaRouteDeps | undefined): UserFilter | undefined {
  const emailPrefix =
    query.searchIn === 'email' && query.search !== undefined && query.search !== '' ? foldEmail(query.search) : null;
  const plain = (user: UserRecord): boolean =>
    (emailPrefix === null || (user.emailKey ?? '').startsWith(emailPrefix)) &&
    (query.role === undefined || user.role === query.role) &&
    (query.disabled === undefined || user.disabled === query.disabled) &&
    (query.verified === undefined || (user.emailVerifiedAt != null) === query.verified);
  const wantsFactor = query.secondFactor;
  const criteria = [emailPrefix ?? undefined, query.role, query.disabled, query.verified, wantsFactor];
  if (criteria.every((criterion) => criterion === undefined)) return undefined;
  return async (users) => {
    const kept = users.map(plain);
    if (wantsFactor === undefined) return kept;
    return Promise.all(
      users.map(async (user, index) => kept[index] === true && (await hasSecondFactor(mfa, user.id)) === wantsFactor),
    );
  };
}
