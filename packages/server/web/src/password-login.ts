import type { AccessTokenView, JwtgateClient, SecondFactorChallenge } from '@jwtgate/client';
import { hasCode } from './messages.js';

const ADDRESS = /^[^@\s]+@[^@\s]+$/;

/**
 * Logs in with what a person typed into "Email or username". Text shaped
 * like an address is tried as one first; a username may hold an `@` too, so
 * when no account has that address and password, the same text is tried
 * once as a username before the refusal is shown.
 *
 * @example
 * const result = await passwordLogin(client, { login: 'ada@example.com', password, device: '' });
 */
export async function passwordLogin(
  client: JwtgateClient,
  input: { readonly login: string; readonly password: string; readonly device?: string },
): Promise<AccessTokenView | SecondFactorChallenge> {
  const { login, password } = input;
  const device = input.device ?? '';
  const trimmed = login.trim();
  if (!ADDRESS.test(trimmed)) return client.login({ username: login, password, device });
  try {
    return await client.login({ email: trimmed, password, device });
  } catch (error) {
    if (!hasCode(error, 'ERR_INVALID_CREDENTIALS') && !hasCode(error, 'ERR_INVALID_EMAIL')) throw error;
    return client.login({ username: login, password, device });
  }
}
