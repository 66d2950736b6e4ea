import { isAuthError } from '../errors/auth-error.js';
import type { ErrorCode } from '../errors/codes.js';
import type { SessionReadAhead } from '../session/read-ahead.js';
import type { SessionManager } from '../session/session-manager.js';
import type { RefreshTokenReading } from '../token/refresh-token.js';
import type { RefreshThrottle } from './refresh-throttle.js';

/** Refusals of what the client presented; a store failure or a throttle's own refusal is none of them. */
const REFUSALS: ReadonlySet<ErrorCode> = new Set([
  'ERR_REFRESH_TOKEN_INVALID',
  'ERR_REFRESH_TOKEN_EXPIRED',
  'ERR_REFRESH_TOKEN_REUSED',
  'ERR_SESSION_REVOKED',
  'ERR_TOKEN_INVALID',
]);

/**
 * The session manager with its refreshes throttled: `refresh` (the refresh
 * route) and `renew` (silent refresh) alike, so neither path is a way around
 * the other's limits. The session a refresh counts against is read from the
 * token only when its MAC holds, so a forged token cannot spend a real
 * session's allowance.
 *
 * The session of an authentic token is read while the throttle decides
 * (`readAhead`), so a refresh waits for two round trips (the throttle and the
 * read together, then the compare-and-swap) rather than three. Nothing else
 * moves ahead of the throttle: a refresh it refuses looks up no user, writes
 * nothing and is answered by the throttle alone; its read is dropped.
 *
 * @example
 * const sessions = limitRefreshes(createSessionManager(options), createRefreshThrottle({ store, clock, policy }));
 */
export function limitRefreshes(sessions: SessionManager, throttle: RefreshThrottle): SessionManager {
  async function throttled<T>(
    input: { refreshToken: string; ip?: string | null; userAgent?: string | null },
    run: (reading: RefreshTokenReading | null, readAhead: SessionReadAhead | null) => Promise<T>,
  ): Promise<T> {
    // Read once here, and handed on, so the refresh does not check the MAC again.
    const reading = sessions.refreshTokens.read(input.refreshToken);
    const sessionId = reading?.sessionId ?? null;
    const readAhead = sessionId === null ? null : sessions.readAhead(sessionId);
    const reservation = await throttle.reserve({
      sessionId,
      ip: input.ip ?? null,
      userAgent: input.userAgent ?? null,
    });
    try {
      return await run(reading, readAhead);
    } catch (error) {
      // Either way, a count that could not be settled leaves the answer as it is.
      if (isAuthError(error) && REFUSALS.has(error.code)) await reservation.refused().catch(() => {});
      // Nothing was judged (a store failed): the refresh was never tried.
      else await reservation.cancel().catch(() => {});
      throw error;
    }
  }
  return {
    ...sessions,
    refresh: (input) => throttled(input, (reading, readAhead) => sessions.refresh({ ...input, reading, readAhead })),
    renew: (input) => throttled(input, (reading, readAhead) => sessions.renew({ ...input, reading, readAhead })),
  };
}
