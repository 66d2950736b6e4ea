import { type IssuedTokens, isAuthError, type SessionRecord, type UserRecord } from '@jwtgate/core';
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

/** A login whose factors passed: who, from where, and how. */
export interface PassedLogin {
  /** As read by the check that let the user in: the session starts from its credential version. */
  readonly user: UserRecord;
  readonly device: string | null;
  readonly cookie: boolean;
  readonly client: { readonly ip: string | null; readonly userAgent: string | null };
  /** How the user proved who they are (RFC 8176); omitted, a password (`pwd`). */
  readonly amr?: readonly string[];
  readonly authTime?: number;
  /** Called with the new session before the answer is made (a provider sign-in keeps its logout hint). */
  readonly started?: ((session: SessionRecord) => Promise<void>) | undefined;
  /** For a login that pauses for a second factor: what it carries to its session (see `pauseForSecondFactor`). */
  readonly providerHint?: ((challengeId: string) => string | null) | undefined;
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
  input: PassedLogin,
): Promise<ReturnType<typeof tokenBody>> {
  const { user, device, cookie, client } = input;
  let tokens: IssuedTokens;
  try {
    tokens = await deps.sessions.issue({
      user,
      device,
      ...client,
      ...(input.amr === undefined ? {} : { amr: input.amr }),
      ...(input.authTime === undefined ? {} : { authTime: input.authTime }),
    });
  } catch (error) {
    // The account's credentials changed while they were being checked: refused like any failed login.
    if (isAuthError(error, 'ERR_INVALID_CREDENTIALS')) {
      deps.events?.loginRefused({ error, attempted: user.username, client });
    }
    throw error;
  }
  await input.started?.(tokens.session);
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
