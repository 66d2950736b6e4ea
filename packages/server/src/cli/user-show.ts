import type { AdminRuntime } from './admin-runtime.js';
import { type CommandOutput, print, sessionJson, sessionTable, userDetails, userJson } from './cli-output.js';
import { resolveUser } from './resolve-user.js';

/**
 * `jwtgate user show <user>`: the user (by username or id) and their active
 * sessions, newest first.
 */
export async function userShowCommand(runtime: AdminRuntime, word: string, out: CommandOutput): Promise<void> {
  const user = await resolveUser(runtime.users, word);
  const sessions = await runtime.sessions.list(user.id);
  print(
    out,
    { user: userJson(user), sessions: sessions.map(sessionJson) },
    () => `${userDetails(user)}\nsessions:\n${sessionTable(sessions)}`,
  );
}

/** `jwtgate session list <user>`: the user's active sessions, newest first. */
export async function sessionListCommand(runtime: AdminRuntime, word: string, out: CommandOutput): Promise<void> {
  const user = await resolveUser(runtime.users, word);
  const sessions = await runtime.sessions.list(user.id);
  print(out, { userId: user.id, sessions: sessions.map(sessionJson) }, () => sessionTable(sessions));
}
