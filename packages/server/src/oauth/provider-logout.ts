import type { ProviderLogoutHintStore, ProviderSessionStore, SessionRecord } from '@jwtgate/core';
import { randomState } from 'openid-client';
import { createJsonSealer } from '../keys/json-sealer.js';
import type { ProviderClient } from './provider-client.js';

/** What a provider sign-in leaves for the logouts of its session. */
export interface ProviderSignIn {
  readonly provider: string;
  /** The id token; `null` when the provider gave none (plain OAuth 2.0). */
  readonly idToken: string | null;
  /** The user at the provider (`sub`). */
  readonly subject: string;
  /** The provider's session (`sid` of the id token); `null` when it gave none. */
  readonly providerSid: string | null;
}

/**
 * Logout between jwtgate and identity providers for sessions that began
 * there: at the provider (RP-Initiated Logout 1.0, `Logout`), and by the
 * provider (Back-Channel Logout 1.0, `BackChannelLogout`, and Front-Channel
 * Logout 1.0, `FrontChannelLogout`).
 */
export interface ProviderLogout {
  /**
   * Keeps what the session's logouts need: with `Logout`, its id token,
   * sealed, until the session ends; with `BackChannelLogout` or
   * `FrontChannelLogout`, the provider session and user it began with. A failure to keep the hint loses only
   * the logout at the provider and goes to `warn`; a failure to keep the
   * provider session throws, so no session the provider could not end is
   * handed out.
   */
  remember(
    session: Pick<SessionRecord, 'id' | 'userId' | 'expiresAt'>,
    signIn: ProviderSignIn,
    warn: (error: unknown) => void,
  ): Promise<void>;
  /**
   * For a session that has just ended: removes its hint and answers the
   * provider's logout URL, or `null` (no provider sign-in, `Logout` off, no
   * `end_session_endpoint`, or the provider's metadata cannot be had). Never
   * throws: the jwtgate session is over whatever the provider does.
   */
  urlFor(sessionId: string, warn: (error: unknown) => void): Promise<string | null>;
  /**
   * What a provider sign-in that pauses for a second factor carries to the
   * session its second step starts, sealed and bound to the paused login
   * (`challengeId`), or `null` when its provider needs nothing kept. It is
   * kept in the paused login's row only, and goes with it.
   */
  sealForPausedLogin(challengeId: string, signIn: ProviderSignIn): string | null;
  /**
   * For the session a paused login's second step started: keeps what the
   * paused login carried, as {@link remember} does at once for a sign-in
   * without a second step. A carried value that does not open, or was sealed
   * for another paused login, is ignored.
   */
  resumePausedLogin(
    input: { readonly challengeId: string; readonly carried: string; readonly session: SessionRecord },
    warn: (error: unknown) => void,
  ): Promise<void>;
}

interface SealedHint {
  readonly sid: string;
  readonly idToken: string;
}

/** A sign-in on its way through a paused login: `cid` is the paused login's id. */
interface CarriedSignIn extends ProviderSignIn {
  readonly cid: string;
}

/**
 * The id token is sealed (AES-256-GCM, a key derived from the refresh secret
 * for this purpose only) with the session's id inside, so a row copied to
 * another session does not open there; it lives as long as the session, and
 * is removed by its logout. The provider session is kept in the clear: it is
 * the provider's identifier, which names nothing without its logout token.
 *
 * @example
 * const logout = createProviderLogout({ hints, providerSessions, providers, secret, postLogoutRedirectUri: `${publicUrl}/`, now });
 * const url = await logout.urlFor(claims.sid, (error) => log.warn({ err: error }));
 */
export function createProviderLogout(options: {
  readonly hints: ProviderLogoutHintStore;
  readonly providerSessions: ProviderSessionStore;
  readonly providers: ReadonlyMap<string, ProviderClient>;
  readonly secret: string;
  readonly postLogoutRedirectUri: string;
  readonly now: () => number;
}): ProviderLogout {
  const sealer = createJsonSealer<SealedHint>(options.secret, {
    purpose: 'jwtgate provider logout hint',
    version: 'h1',
  });
  // Its own key: a carried sign-in can never be taken for a session's hint, or the other way round.
  const carrier = createJsonSealer<CarriedSignIn>(options.secret, {
    purpose: 'jwtgate provider logout hint of a paused login',
    version: 'p1',
  });
  const keepsHint = (signIn: ProviderSignIn) =>
    signIn.idToken !== null && options.providers.get(signIn.provider)?.logout === true;
  const keepsSession = (signIn: ProviderSignIn) => {
    const provider = options.providers.get(signIn.provider);
    return provider?.backChannelLogout === true || provider?.frontChannelLogout === true;
  };

  async function remember(
    session: Pick<SessionRecord, 'id' | 'userId' | 'expiresAt'>,
    signIn: ProviderSignIn,
    warn: (error: unknown) => void,
  ): Promise<void> {
    const hint = async () => {
      if (!keepsHint(signIn) || signIn.idToken === null) return;
      await options.hints
        .save({
          sessionId: session.id,
          userId: session.userId,
          provider: signIn.provider,
          sealedIdToken: sealer.seal({ sid: session.id, idToken: signIn.idToken }),
          expiresAt: session.expiresAt,
        })
        .catch(warn);
    };
    const providerSession = async () => {
      if (!keepsSession(signIn)) return;
      await options.providerSessions.save({
        sessionId: session.id,
        userId: session.userId,
        provider: signIn.provider,
        subject: signIn.subject,
        providerSid: signIn.providerSid,
        expiresAt: session.expiresAt,
      });
    };
    await Promise.all([hint(), providerSession()]);
  }

  return {
    remember,

    sealForPausedLogin(challengeId, signIn) {
      if (!keepsHint(signIn) && !keepsSession(signIn)) return null;
      return carrier.seal({ ...signIn, cid: challengeId });
    },

    async resumePausedLogin({ challengeId, carried, session }, warn) {
      let opened: CarriedSignIn;
      try {
        opened = carrier.open(carried);
      } catch {
        return;
      }
      if (opened.cid !== challengeId) return;
      const { provider, idToken, subject, providerSid } = opened;
      await remember(session, { provider, idToken, subject, providerSid }, warn);
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
