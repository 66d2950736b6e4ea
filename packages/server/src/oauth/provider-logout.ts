import type { ProviderLogoutHintStore, SessionRecord } from '@jwtgate/core';
import { randomState } from 'openid-client';
import { createJsonSealer } from '../keys/json-sealer.js';
import type { ProviderClient } from './provider-client.js';

/** Logout at the identity provider (OpenID Connect RP-Initiated Logout 1.0) for sessions that began there. */
export interface ProviderLogout {
  /**
   * Keeps what the session's logout at the provider needs: its id token,
   * sealed, until the session ends. Does nothing for a provider without
   * `Logout` or a sign-in without an id token.
   */
  remember(input: {
    readonly sessionId: string;
    readonly userId: string;
    readonly expiresAt: number;
    readonly provider: string;
    readonly idToken: string | null;
  }): Promise<void>;
  /**
   * For a session that has just ended: removes its hint and answers the
   * provider's logout URL, or `null` (no provider sign-in, `Logout` off, no
   * `end_session_endpoint`, or the provider's metadata cannot be had). Never
   * throws: the jwtgate session is over whatever the provider does.
   */
  urlFor(sessionId: string, warn: (error: unknown) => void): Promise<string | null>;
  /**
   * What a provider sign-in that pauses for a second factor carries to the
   * session its second step starts: the id token, sealed and bound to the
   * paused login (`challengeId`), or `null` when there is nothing to carry.
   * It is kept in the paused login's row only, and goes with it.
   */
  sealForPausedLogin(input: {
    readonly challengeId: string;
    readonly provider: string;
    readonly idToken: string | null;
  }): string | null;
  /**
   * For the session a paused login's second step started: keeps the hint
   * the paused login carried, as {@link remember} does at once for a
   * sign-in without a second step. A carried value that does not open, or
   * was sealed for another paused login, is ignored.
   */
  resumePausedLogin(input: {
    readonly challengeId: string;
    readonly carried: string;
    readonly session: SessionRecord;
  }): Promise<void>;
}

interface SealedHint {
  readonly sid: string;
  readonly idToken: string;
}

/** The hint on its way through a paused login: `cid` is the paused login's id. */
interface CarriedHint {
  readonly cid: string;
  readonly provider: string;
  readonly idToken: string;
}

/**
 * The id token is sealed (AES-256-GCM, a key derived from the refresh secret
 * for this purpose only) with the session's id inside, so a row copied to
 * another session does not open there; it lives as long as the session, and
 * is removed by its logout.
 *
 * @example
 * const logout = createProviderLogout({ hints, providers, secret, postLogoutRedirectUri: `${publicUrl}/`, now });
 * const url = await logout.urlFor(claims.sid, (error) => log.warn({ err: error }));
 */
export function createProviderLogout(options: {
  readonly hints: ProviderLogoutHintStore;
  readonly providers: ReadonlyMap<string, ProviderClient>;
  readonly secret: string;
  readonly postLogoutRedirectUri: string;
  readonly now: () => number;
}): ProviderLogout {
  const sealer = createJsonSealer<SealedHint>(options.secret, {
    purpose: 'jwtgate provider logout hint',
    version: 'h1',
  });
  // Its own key: a carried hint can never be taken for a session's, or the other way round.
  const carrier = createJsonSealer<CarriedHint>(options.secret, {
    purpose: 'jwtgate provider logout hint of a paused login',
    version: 'p1',
  });
  const logoutOn = (provider: string) => options.providers.get(provider)?.logout === true;

  async function remember(input: Parameters<ProviderLogout['remember']>[0]): Promise<void> {
    const { sessionId, userId, expiresAt, provider, idToken } = input;
    if (idToken === null || !logoutOn(provider)) return;
    await options.hints.save({
      sessionId,
      userId,
      provider,
      sealedIdToken: sealer.seal({ sid: sessionId, idToken }),
      expiresAt,
    });
  }

  return {
    remember,

    sealForPausedLogin({ challengeId, provider, idToken }) {
      if (idToken === null || !logoutOn(provider)) return null;
      return carrier.seal({ cid: challengeId, provider, idToken });
    },

    async resumePausedLogin({ challengeId, carried, session }) {
      let opened: CarriedHint;
      try {
        opened = carrier.open(carried);
      } catch {
        return;
      }
      if (opened.cid !== challengeId) return;
      await remember({
        sessionId: session.id,
        userId: session.userId,
        expiresAt: session.expiresAt,
        provider: opened.provider,
        idToken: opened.idToken,
      });
    },

    async urlFor(sessionId, warn) {
      try {
        const hint = await options.hints.take(sessionId, options.now());
        if (hint === null) return null;
        const client = options.providers.get(hint.provider);
        if (client === undefined) return null;
        const opened = sealer.open(hint.sealedIdToken);
        if (opened.sid !== sessionId) return null;
        const url = await client.endSessionUrl({
          idToken: opened.idToken,
          postLogoutRedirectUri: options.postLogoutRedirectUri,
          state: randomState(),
        });
        return url?.href ?? null;
      } catch (error) {
        warn(error);
        return null;
      }
    },
  };
}
