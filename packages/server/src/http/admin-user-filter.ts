import type { UserListFilter } from '@jwtgate/core';
import { enrolledFactors, type SecondFactorSources } from './mfa-login.js';

/** What `GET /admin/users` may narrow a listing by. */
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
export async function hasSecondFactor(mfa: SecondFactorSources | undefined, userId: string): Promise<boolean> {
  if (mfa === undefined) return false;
  const { totp, passkeys } = await enrolledFactors(mfa, userId);
  return totp || passkeys > 0;
}

/**
 * The store's criteria for an administrator's listing, or `null` when no
 * user can match: with second factors off on this server nobody counts as
 * having one (as {@link hasSecondFactor} says in the listing itself).
 *
 * @example
 * const filter = adminUserFilter({ role: 'admin', secondFactor: false }, deps.mfa);
 * const page = filter === null ? empty : await listUsers(deps, { limit: 20, filter });
 */
export function adminUserFilter(query: AdminUserQuery, mfa: SecondFactorSources | undefined): UserListFilter | null {
  if (mfa === undefined && query.secondFactor === true) return null;
  return {
    ...(query.role === undefined ? {} : { role: query.role }),
    ...(query.disabled === undefined ? {} : { disabled: query.disabled }),
    ...(query.verified === undefined ? {} : { emailVerified: query.verified }),
    ...(query.secondFactor === undefined || mfa === undefined ? {} : { secondFactor: query.secondFactor }),
  };
}
