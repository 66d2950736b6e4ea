import type { SessionManager } from '@jwtgate/core';
import type { SecurityEvents } from '../audit/security-events.js';

/**
 * The session manager with its refusals reported: a refresh or silent
 * refresh that fails tells `events` why. Successes and revocations already
 * arrive as session events (`onEvent`); the refusals are errors thrown to the
 * caller, and this is where all callers' refusals pass, the HTTP routes' and
 * an embedding application's alike.
 *
 * @example
 * const sessions = observeSessions(createSessionManager({ ...options, onEvent: events.session }), events);
 */
export function observeSessions(sessions: SessionManager, events: SecurityEvents): SessionManager {
  return {
    ...sessions,
    async refresh(input) {
      try {
        return await sessions.refresh(input);
      } catch (error) {
        events.refreshFailed(error);
        throw error;
      }
    },
    async renew(input) {
      try {
        const tokens = await sessions.renew(input);
        events.silentRefresh('renewed');
        return tokens;
      } catch (error) {
        events.refreshFailed(error);
        events.silentRefresh('refused');
        throw error;
      }
    },
  };
}
