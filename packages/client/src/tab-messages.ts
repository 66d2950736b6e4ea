/**
 * What tabs of the same site tell each other over their BroadcastChannel.
 * Only same-origin documents can join the channel; messages are still
 * checked, since any script of the origin could post anything.
 */
export type TabMessage =
  /** A new access token (local times in ms, comparable across tabs of one machine). */
  | { readonly type: 'token'; readonly accessToken: string; readonly expiresAt: number; readonly refreshAt: number }
  /** The session ended (logout, revocation, failed refresh): the shared cookie is gone. */
  | { readonly type: 'signed-out' }
  /** A refresh could not reach the server; whoever waited for it should try itself. */
  | { readonly type: 'refresh-failed' };

const MAX_TOKEN_LENGTH = 8192;

/**
 * The message, if `data` is a well-formed one.
 *
 * @example
 * channel.addEventListener('message', (event) => { const message = parseTabMessage(event.data); ... });
 */
export function parseTabMessage(data: unknown): TabMessage | null {
  if (data === null || typeof data !== 'object') return null;
  const message = data as Record<string, unknown>;
  switch (message.type) {
    case 'token':
      if (
        typeof message.accessToken === 'string' &&
        message.accessToken.length <= MAX_TOKEN_LENGTH &&
        Number.isFinite(message.expiresAt) &&
        Number.isFinite(message.refreshAt)
      ) {
        return {
          type: 'token',
          accessToken: message.accessToken,
          expiresAt: message.expiresAt as number,
          refreshAt: message.refreshAt as number,
        };
      }
      return null;
    case 'signed-out':
    case 'refresh-failed':
      return { type: message.type };
    default:
      return null;
  }
}
