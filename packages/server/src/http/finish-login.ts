import type { IssuedTokens, UserRecord } from '@jwtgate/core';
import type { FastifyReply } from 'fastify';
import type { CookieRouteDeps } from './route-deps.js';

/** The token answer; in cookie mode the refresh token is in the cookie only, never also here. */
export function tokenBody(tokens: IssuedTokens, inCookie = false) {
  return {
    accessToken: tokens.accessToken,
    ...(inCookie ? {} : { refreshToken: tokens.refreshToken }),
    tokenType: tokens.tokenType,
    expiresIn: tokens.expiresIn,
    refreshAfter: tokens.refreshAfter,
  };
}

/**
 * Ends a login whose factors all passed, whichever route it ends on (the
 * password, or the second step): starts the session with how the user
 * signed in, reports it, sets the refresh cookie in cookie mode, and
 * returns the same answer every login gives.
 *
 * @example
 * return finishLogin(deps, reply, { user, device, cookie, client });
 */
export async function finishLogin(
  deps: CookieRouteDeps,
  reply: FastifyReply,
  input: {
    readonly user: UserRecord;
    readonly device: string | null;
    readonly cookie: boolean;
    readonly client: { readonly ip: string | null; readonly userAgent: string | null };
    readonly amr?: readonly string[];
    readonly authTime?: number;
  },
): Promise<ReturnType<typeof tokenBody>> {
  const { user, device, cookie, client } = input;
  const tokens = await deps.sessions.issue({
    user,
    device,
    ...client,
    ...(input.amr === undefined ? {} : { amr: input.amr }),
    ...(input.authTime === undefined ? {} : { authTime: input.authTime }),
  });
  deps.events?.loginSucceeded({
    user,
    sessionId: tokens.session.id,
    device,
    client,
    ...(input.amr === undefined ? {} : { amr: input.amr }),
  });
  if (cookie && deps.refreshCookie !== null) {
    deps.refreshCookie.set(reply, tokens.refreshToken, tokens.session.refreshExpiresAt);
  }
  return tokenBody(tokens, cookie);
}
