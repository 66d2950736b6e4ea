import type { SessionRecord, UserRecord } from '@jwtgate/core';
import { adminUserView } from '../http/admin-user-view.js';
import { toSessionView } from '../http/schemas.js';
import { renderTable } from './render-table.js';

/** Where a command prints, and how: a table for people, or JSON with `--json`. */
export interface CommandOutput {
  readonly json: boolean;
  write(text: string): void;
}

/** Standard output, as JSON when `json`. */
export function stdoutOutput(json: boolean): CommandOutput {
  return { json, write: (text) => process.stdout.write(text) };
}

/**
 * Prints `value` as one line of JSON with `--json`, else the text `table` makes.
 *
 * @example
 * print(out, { user: adminUserView(user) }, () => userTable([user]));
 */
export function print(out: CommandOutput, value: unknown, table: () => string): void {
  out.write(out.json ? `${JSON.stringify(value)}\n` : table());
}

/** A user in the JSON of the user commands: the admin API's `AdminUser`. */
export const userJson = adminUserView;

/** A session in the JSON of the user and session commands: the admin API's session view (`current` is always false). */
export function sessionJson(session: SessionRecord) {
  return toSessionView(session, '');
}

const when = (at: number | null | undefined) =>
  at == null ? '-' : new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Users as a table: id, username, email, role, state, whether they have a second factor, creation. */
export function userTable(users: readonly { readonly user: UserRecord; readonly secondFactor: boolean }[]): string {
  return renderTable(
    ['ID', 'USERNAME', 'EMAIL', 'ROLE', 'STATE', '2FA', 'CREATED'],
    users.map(({ user, secondFactor }) => [
      user.id,
      user.username,
      user.email ?? '-',
      user.role,
      user.disabled ? 'disabled' : 'enabled',
      secondFactor ? 'yes' : 'no',
      when(user.createdAt),
    ]),
    '(no users)',
  );
}

/** Sessions as a table: id, device, address, how signed in, when created and last used. */
export function sessionTable(sessions: readonly SessionRecord[]): string {
  return renderTable(
    ['SESSION', 'DEVICE', 'IP', 'AMR', 'CREATED', 'LAST USED', 'USER AGENT'],
    sessions.map((session) => [
      session.id,
      session.device ?? '-',
      session.ip ?? '-',
      session.amr.join(','),
      when(session.createdAt),
      when(session.lastUsedAt),
      session.userAgent ?? '-',
    ]),
    '(no active sessions)',
  );
}

/** One user's fields, one per line, for `user show` and the actions' answers. */
export function userDetails(user: UserRecord): string {
  const rows: [string, string][] = [
    ['id', user.id],
    ['username', user.username],
    ['email', user.email == null ? '-' : `${user.email}${user.emailVerifiedAt == null ? ' (not verified)' : ''}`],
    ['role', user.role],
    ['state', user.disabled ? 'disabled' : 'enabled'],
    ['created', when(user.createdAt)],
    ['updated', when(user.updatedAt)],
  ];
  return rows.map(([name, value]) => `${`${name}:`.padEnd(10)}${value}\n`).join('');
}
