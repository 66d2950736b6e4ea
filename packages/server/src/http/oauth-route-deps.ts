import { type AttemptStore, AuthError, type RegistrationThrottle } from '@jwtgate/core';
import type { BackChannelLogout } from '../oauth/backchannel-logout.js';
import type { FederatedAccountDeps } from '../oauth/federated-accounts.js';
import type { FrontChannelLogout } from '../oauth/frontchannel-logout.js';
import { type FlowSealer, newFlowSecrets, type OAuthFlow } from '../oauth/oauth-flow.js';
import type { ProviderClient } from '../oauth/provider-client.js';
import type { ProviderLogout } from '../oauth/provider-logout.js';
import type { OAuthFlowCookie } from './oauth-flow-cookie.js';

/** What the sign-in-with-a-provider routes need; assembled by `createJwtgateServer`. */
export interface OAuthRouteDeps {
  /** The configured providers by name; empty when none is. */
  readonly providers: ReadonlyMap<string, ProviderClient>;
  readonly accounts: FederatedAccountDeps;
  readonly sealer: FlowSealer;
  readonly flowCookie: OAuthFlowCookie;
  /** Spends each flow's state once, on every instance. */
  readonly attempts: AttemptStore;
  /** `Web.PublicUrl`, without a trailing slash: redirect URIs are `<publicUrl>/auth/oauth/<name>/callback`. */
  readonly publicUrl: string;
  /** Origins `returnTo` may point at besides the public URL's (`Cors.AllowedOrigins`). */
  readonly allowedOrigins: readonly string[];
  readonly flowExpireSec: number;
  /** Logout at the provider for sessions that began there (`OAuth.Providers.<name>.Logout`). */
  readonly logout: ProviderLogout;
  /** Providers ending jwtgate sessions (`OAuth.Providers.<name>.BackChannelLogout`). */
  readonly backChannelLogout: BackChannelLogout;
  /** Counts back-channel logout posts per network, by provider name (`OAuth.BackChannelLogoutsPerMinute`). */
  readonly backChannelThrottles: ReadonlyMap<string, RegistrationThrottle>;
  /** Providers ending jwtgate sessions through the browser (`OAuth.Providers.<name>.FrontChannelLogout`). */
  readonly frontChannelLogout: FrontChannelLogout;
  /** Counts front-channel logout requests per network, by provider name (`OAuth.FrontChannelLogoutsPerMinute`). */
  readonly frontChannelThrottles: ReadonlyMap<string, RegistrationThrottle>;
}

/**
 * The exact redirect URI of a provider, registered at the provider.
 *
 * @example
 * redirectUriOf('https://auth.example.com', 'google'); // 'https://auth.example.com/auth/oauth/google/callback'
 */
export function redirectUriOf(publicUrl: string, provider: string): string {
  return `${publicUrl}/auth/oauth/${provider}/callback`;
}

/**
 * The configured provider of this name, or `ERR_OAUTH_PROVIDER_UNKNOWN`.
 *
 * @example
 * const provider = oauthProvider(deps.oauth, request.params.provider);
 */
export function oauthProvider(oauth: OAuthRouteDeps, name: string): ProviderClient {
  const provider = oauth.providers.get(name);
  if (provider === undefined) throw new AuthError('ERR_OAUTH_PROVIDER_UNKNOWN');
  return provider;
}

/**
 * Starts a flow at a provider: fresh state, nonce and PKCE verifier, sealed
 * with what the flow is for, and the provider's authorization URL.
 *
 * @example
 * const { authorizationUrl, sealed } = await startOAuthFlow(oauth, clock.now(), provider, {
 *   returnTo, linkUserId: null, linkSessionId: null, mode: 'cookie', device: null });
 */
export async function startOAuthFlow(
  oauth: OAuthRouteDeps,
  now: number,
  provider: ProviderClient,
  input: Pick<OAuthFlow, 'returnTo' | 'linkUserId' | 'linkSessionId' | 'mode' | 'device'>,
): Promise<{ authorizationUrl: string; sealed: string }> {
  const secrets = newFlowSecrets();
  const flow: OAuthFlow = {
    ...secrets,
    ...input,
    provider: provider.name,
    expiresAt: now + oauth.flowExpireSec * 1000,
  };
  const url = await provider.authorizationUrl(redirectUriOf(oauth.publicUrl, provider.name), secrets);
  return { authorizationUrl: url.href, sealed: oauth.sealer.seal(flow) };
}
