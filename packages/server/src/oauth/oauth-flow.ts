import { randomNonce, randomPKCECodeVerifier, randomState } from 'openid-client';
import { createJsonSealer } from '../keys/json-sealer.js';
import type { FlowSecrets } from './provider-client.js';

/** A sign-in at a provider between its start and its callback. Times are milliseconds since the epoch. */
export interface OAuthFlow extends FlowSecrets {
  readonly provider: string;
  /** Where the browser goes afterwards (checked against the allow-list at the start). */
  readonly returnTo: string;
  /** The signed-in user who asked to link an identity; `null` for a sign-in. */
  readonly linkUserId: string | null;
  /** The session that asked to link: the link is made only while it still stands. `null` for a sign-in. */
  readonly linkSessionId: string | null;
  /** `cookie`: the browser flow, ending in a redirect; `json`: an API client that posts the callback itself. */
  readonly mode: 'cookie' | 'json';
  /** The device label the session will carry. */
  readonly device: string | null;
  readonly expiresAt: number;
}

/** Seals flows into opaque strings (the cookie, or the JSON variant's flowToken) and opens them again. */
export interface FlowSealer {
  seal(flow: OAuthFlow): string;
  /** The flow, or `null` when it is not one this server sealed, was altered, or has expired. */
  open(sealed: string, now: number): OAuthFlow | null;
}

/**
 * A new flow's secrets: `state` and `nonce` of 32 random bytes, and a PKCE
 * verifier of 32 random bytes, from openid-client.
 *
 * @example
 * const secrets = newFlowSecrets();
 */
export function newFlowSecrets(): FlowSecrets {
  return { state: randomState(), nonce: randomNonce(), codeVerifier: randomPKCECodeVerifier() };
}

/**
 * Sealed (AES-256-GCM) under a key derived from the refresh secret, which
 * every instance shares, so the flow's secrets, its verifier above all, are
 * neither readable nor alterable in the browser, and any instance can
 * finish a flow another started. Expiry is inside the sealed part.
 *
 * @example
 * const sealer = createFlowSealer(config.auth.refreshSecret);
 * const cookie = sealer.seal(flow);
 */
export function createFlowSealer(secret: string): FlowSealer {
  const sealer = createJsonSealer<OAuthFlow>(secret, { purpose: 'jwtgate oauth flow', version: 'f1' });
  return {
    seal: (flow) => sealer.seal(flow),
    open(sealed, now) {
      if (sealed.length > 4096) return null;
      try {
        const flow = sealer.open(sealed);
        return flow.expiresAt > now ? flow : null;
      } catch {
        return null;
      }
    },
  };
}
