import type { AdminApi } from './admin-api.js';

/** What every page of the console is given. */
export interface ConsoleContext {
  readonly api: AdminApi;
  /** Writes a line into the status region (read out by screen readers). */
  readonly announce: (message: string) => void;
  /** The signed-in administrator's user id, to mark their own account and session. */
  readonly selfId: string;
}

/**
 * The console's address of a page: `#/users/<id>`, `#/audit?userId=…`.
 *
 * @example
 * h('a', { href: pageLink('audit', { userId: user.id }) }, 'Audit records');
 */
export function pageLink(path: string, params: Readonly<Record<string, string | undefined>> = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(name, value);
  const text = query.toString();
  return `#/${path}${text === '' ? '' : `?${text}`}`;
}
