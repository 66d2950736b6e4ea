import { endSession } from '../accounts/end-session.js';
import type { AdminRuntime } from './admin-runtime.js';
import { type CommandOutput, print } from './cli-output.js';
import { confirm } from './confirm.js';

/**
 * `jwtgate session end <session-id>`: as `DELETE /admin/sessions/:id`, ends
 * one session of any user; its access tokens stop working on every
 * instance. An unknown or ended session: `ERR_SESSION_NOT_FOUND`.
 */
export async function sessionEndCommand(
  runtime: AdminRuntime,
  sessionId: string,
  options: { readonly out: CommandOutput; readonly yes: boolean },
): Promise<void> {
  const session = await runtime.sessionStore.get(sessionId);
  // Asking about a session that is not there would only delay the error the action answers with.
  if (session !== null && session.revokedAt === null) {
    const owner = await runtime.users.findById(session.userId);
    const where = [session.device, session.ip].filter((part) => part !== null).join(', ');
    await confirm(
      `End session ${session.id} of ${owner?.username ?? session.userId}${where === '' ? '' : ` (${where})`}? Its tokens stop working at once.`,
      options,
    );
  }
  await endSession(runtime, sessionId, runtime.actor, runtime.client);
  print(options.out, { sessionId, ended: true }, () => `session ${sessionId} ended\n`);
}
