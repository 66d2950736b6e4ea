import { AuthError, isValidRole, type UserRecord } from '@jwtgate/core';
import { changeUserRole } from '../accounts/change-user-role.js';
import { deleteAccount } from '../accounts/delete-account.js';
import { setUserDisabled } from '../accounts/set-user-disabled.js';
import { setUserPassword } from '../accounts/set-user-password.js';
import { signUserOut } from '../accounts/sign-user-out.js';
import type { AdminRuntime } from './admin-runtime.js';
import { type CommandOutput, print, userDetails, userJson } from './cli-output.js';
import { confirm, sessionCount } from './confirm.js';
import { promptPassword, readPasswordFromStdin } from './read-password.js';
import { resolveUser } from './resolve-user.js';

/** How an action is carried out: printed to `out`, confirmed unless `yes`. */
export interface ActionOptions {
  readonly out: CommandOutput;
  readonly yes: boolean;
}

/** The user a command names and how many sessions an action on them would end. */
async function target(runtime: AdminRuntime, word: string): Promise<{ user: UserRecord; active: number }> {
  const user = await resolveUser(runtime.users, word);
  return { user, active: (await runtime.sessions.list(user.id)).length };
}

const named = (user: UserRecord) => `${user.username} (${user.id})`;

/** What an access change printed: the user's fields and the sessions it ended. */
function printChanged(out: CommandOutput, changed: { user: UserRecord; revokedSessions: number }, what: string) {
  print(
    out,
    { user: userJson(changed.user), revokedSessions: changed.revokedSessions },
    () => `${what}; ${sessionCount(changed.revokedSessions)} ended\n${userDetails(changed.user)}`,
  );
}

/**
 * `jwtgate user disable|enable <user>`: as `POST /admin/users/:id/disable`
 * (every session ends at once; the last enabled administrator stays) and
 * `.../enable`. Disabling asks first.
 */
export async function userSetDisabledCommand(
  runtime: AdminRuntime,
  word: string,
  disabled: boolean,
  options: ActionOptions,
): Promise<void> {
  const { user, active } = await target(runtime, word);
  if (disabled) {
    await confirm(`Disable ${named(user)}? This ends ${sessionCount(active)} and refuses their logins.`, options);
  }
  const changed = await setUserDisabled(runtime, user.id, disabled, runtime.actor, runtime.client);
  printChanged(options.out, changed, `${user.username} ${disabled ? 'disabled' : 'enabled'}`);
}

/**
 * `jwtgate user set-role <user> <role>`: as `PATCH /admin/users/:id` with a
 * role: every session ends, since the tokens carry the old role; demoting
 * the last enabled administrator is refused (`ERR_LAST_ADMIN`).
 */
export async function userSetRoleCommand(
  runtime: AdminRuntime,
  word: string,
  role: string,
  options: ActionOptions,
): Promise<void> {
  if (!isValidRole(role)) {
    throw new AuthError('ERR_VALIDATION', {
      reason: 'role',
      message: 'A role is 1 to 32 lowercase letters, digits, "-" or "_", starting with a letter',
    });
  }
  const { user, active } = await target(runtime, word);
  await confirm(
    `Change the role of ${named(user)} from ${user.role} to ${role}? This ends ${sessionCount(active)}.`,
    options,
  );
  const changed = await changeUserRole(runtime, user.id, role, runtime.actor, runtime.client);
  printChanged(options.out, changed, `${user.username} is now ${role}`);
}

/** `jwtgate user logout <user>`: as `POST /admin/users/:id/logout`, every session of the user ends at once. */
export async function userLogoutCommand(runtime: AdminRuntime, word: string, options: ActionOptions): Promise<void> {
  const { user, active } = await target(runtime, word);
  await confirm(`Sign ${named(user)} out everywhere? This ends ${sessionCount(active)}.`, options);
  const revoked = await signUserOut(runtime, user.id, runtime.actor, runtime.client);
  print(options.out, { revoked }, () => `${user.username} signed out: ${sessionCount(revoked)} ended\n`);
}

/** A quarantine in words: `30 days`, `2 hours`, `no time`. */
function duration(seconds: number): string {
  if (seconds === 0) return 'no time';
  const units: [number, string][] = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  const [size, unit] = units.find(([size]) => seconds % size === 0) as [number, string];
  const count = seconds / size;
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/**
 * `jwtgate user delete <user>`: as `DELETE /admin/users/:id`, through the
 * same `deleteAccount`: sessions end, the account and its data go, audit
 * records keep the id without the username, and the username stays taken
 * for `Accounts.UsernameQuarantine`.
 */
export async function userDeleteCommand(runtime: AdminRuntime, word: string, options: ActionOptions): Promise<void> {
  const { user, active } = await target(runtime, word);
  const quarantine = runtime.accounts.usernameQuarantineSec;
  await confirm(
    `Delete ${named(user)}? This ends ${sessionCount(active)}, removes the account and everything kept under it, and keeps the username taken for ${duration(quarantine)}.`,
    options,
  );
  const deleted = await deleteAccount(runtime, user.id, runtime.actor, runtime.client);
  print(
    options.out,
    { deleted: userJson(deleted.user), revokedSessions: deleted.revokedSessions },
    () => `${user.username} deleted; ${sessionCount(deleted.revokedSessions)} ended\n`,
  );
}

/**
 * `jwtgate user set-password <user>`: sets a new password under the rules
 * every password meets, and ends every session of the user, as a reset does.
 * The password comes from standard input with `--password-stdin`, else is
 * asked twice on the terminal.
 */
export async function userSetPasswordCommand(
  runtime: AdminRuntime,
  word: string,
  options: ActionOptions & { readonly passwordFromStdin: boolean },
): Promise<void> {
  const { user, active } = await target(runtime, word);
  if (!options.passwordFromStdin && !process.stdin.isTTY) {
    throw new Error('standard input is not a terminal: pass the password with --password-stdin');
  }
  await confirm(`Set a new password for ${named(user)}? This ends ${sessionCount(active)}.`, options);
  let password: string;
  if (options.passwordFromStdin) {
    password = await readPasswordFromStdin();
  } else {
    password = await promptPassword('New password: ');
    if ((await promptPassword('Repeat password: ')) !== password) throw new Error('the passwords do not match');
  }
  const { passwordScreen, hasher } = runtime.passwords();
  const deps = {
    ...runtime,
    passwordScreen,
    hasher: await hasher,
    contextWords: runtime.config.passwords.contextWords,
  };
  const changed = await setUserPassword(deps, user.id, password, runtime.actor, runtime.client);
  printChanged(options.out, changed, `password of ${user.username} set`);
}
