/** Roles are short lowercase labels (`user`, `admin`, `support-agent`); they travel in every access token. */
export const ROLE_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

/** The role every new account gets unless an administrator chooses another. */
export const DEFAULT_ROLE = 'user';

/** The role allowed to use the administration API. */
export const ADMIN_ROLE = 'admin';

/**
 * Whether `value` can be used as a role.
 *
 * @example
 * isValidRole('admin'); // true
 * isValidRole('Admin'); // false
 */
export function isValidRole(value: unknown): value is string {
  return typeof value === 'string' && ROLE_PATTERN.test(value);
}
